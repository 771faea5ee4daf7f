import type { Request } from "express";
import { describe, expect, it } from "vitest";
import { clientAddress } from "./createApp.js";

const from = (ip: string | undefined) => clientAddress({ ip } as Request);

describe("clientAddress", () => {
  it("shows IPv4 callers of a dual-stack server as plain IPv4", () => {
    expect(from("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });
  it("leaves IPv4 and IPv6 addresses as they are", () => {
    expect(from("203.0.113.7")).toBe("203.0.113.7");
    expect(from("2001:db8::1")).toBe("2001:db8::1");
    expect(from("::ffff:abcd")).toBe("::ffff:abcd");
  });
  it("says unknown when express has no address", () => {
    expect(from(undefined)).toBe("unknown");
  });
});
