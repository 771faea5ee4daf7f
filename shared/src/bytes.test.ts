import { describe, expect, it } from "vitest";
import { concatBytes, uint32BigEndian } from "./bytes.js";

describe("bytes", () => {
  it("joins byte strings in order, empty ones included", () => {
    expect(concatBytes(new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3]))).toEqual(
      new Uint8Array([1, 2, 3]),
    );
    expect(concatBytes()).toEqual(new Uint8Array(0));
  });

  it("writes 32-bit values most significant byte first", () => {
    expect(uint32BigEndian(1)).toEqual(new Uint8Array([0, 0, 0, 1]));
    expect(uint32BigEndian(256)).toEqual(new Uint8Array([0, 0, 1, 0]));
    expect(uint32BigEndian(0xfffffffe)).toEqual(new Uint8Array([0xff, 0xff, 0xff, 0xfe]));
  });
});
