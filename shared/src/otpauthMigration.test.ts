import { describe, expect, it } from "vitest";
import { decodeBase32 } from "./base32.js";
import { OtpauthError } from "./otpauth.js";
import { parseOtpauthMigrationUri } from "./otpauthMigration.js";

// A protobuf encoder small enough to check by eye: varints and length-delimited fields.
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const intField = (field: number, value: number) => [...varint(field * 8), ...varint(value)];
const bytesField = (field: number, bytes: Uint8Array | number[]) => [
  ...varint(field * 8 + 2),
  ...varint(bytes.length),
  ...bytes,
];
const stringField = (field: number, text: string) => bytesField(field, new TextEncoder().encode(text));

function otpParameters(p: {
  secret: Uint8Array;
  name: string;
  issuer: string;
  algorithm: number;
  digits: number;
  type: number;
}) {
  return [
    ...bytesField(1, p.secret),
    ...stringField(2, p.name),
    ...stringField(3, p.issuer),
    ...intField(4, p.algorithm),
    ...intField(5, p.digits),
    ...intField(6, p.type),
  ];
}

function migrationUri(entries: number[][], encode = (b64: string) => encodeURIComponent(b64)): string {
  // MigrationPayload: repeated otp_parameters = 1, version = 2, batch_size = 3, batch_index = 4, batch_id = 5.
  const payload = [
    ...entries.flatMap((entry) => bytesField(1, entry)),
    ...intField(2, 1),
    ...intField(3, 1),
    ...intField(4, 0),
    ...intField(5, 12345),
  ];
  return `otpauth-migration://offline?data=${encode(Buffer.from(payload).toString("base64"))}`;
}

const npmSecret = decodeBase32("JBSWY3DPEHPK3PXP");
const githubSecret = Uint8Array.from({ length: 20 }, (_, i) => i * 13 + 7);

describe("parseOtpauthMigrationUri", () => {
  it("imports TOTP entries with issuer, account name, algorithm and digits", () => {
    const uri = migrationUri([
      otpParameters({ secret: npmSecret, name: "npm:alice", issuer: "npm", algorithm: 1, digits: 1, type: 2 }),
      otpParameters({
        secret: githubSecret,
        name: "bob@example.com",
        issuer: "GitHub",
        algorithm: 2,
        digits: 2,
        type: 2,
      }),
    ]);
    const result = parseOtpauthMigrationUri(uri);
    expect(result.skipped).toEqual([]);
    expect(result.accounts).toEqual([
      { issuer: "npm", label: "alice", secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 },
      {
        issuer: "GitHub",
        label: "bob@example.com",
        secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
        algorithm: "SHA256",
        digits: 8,
        period: 30,
      },
    ]);
    expect(decodeBase32(result.accounts[1]?.secret ?? "")).toEqual(githubSecret);
  });

  it("skips HOTP entries and says why", () => {
    const uri = migrationUri([
      otpParameters({ secret: npmSecret, name: "counter", issuer: "Old VPN", algorithm: 1, digits: 1, type: 1 }),
      otpParameters({ secret: npmSecret, name: "alice", issuer: "npm", algorithm: 1, digits: 1, type: 2 }),
    ]);
    const result = parseOtpauthMigrationUri(uri);
    expect(result.accounts.map((a) => a.label)).toEqual(["alice"]);
    expect(result.skipped).toEqual([{ name: "Old VPN: counter", reason: expect.stringMatching(/HOTP/) }]);
  });

  it("reads data whose base64 plus signs were not percent-encoded", () => {
    const uri = migrationUri(
      [otpParameters({ secret: githubSecret, name: "x", issuer: "", algorithm: 1, digits: 1, type: 2 })],
      (b64) => b64,
    );
    expect(parseOtpauthMigrationUri(uri).accounts[0]?.label).toBe("x");
  });

  it("refuses other links, missing data and truncated payloads with a message", () => {
    expect(() => parseOtpauthMigrationUri("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")).toThrow(OtpauthError);
    expect(() => parseOtpauthMigrationUri("otpauth-migration://offline?foo=1")).toThrow(/no data/);
    const full = migrationUri([
      otpParameters({ secret: npmSecret, name: "a", issuer: "b", algorithm: 1, digits: 1, type: 2 }),
    ]);
    const data = decodeURIComponent(full.split("data=")[1] ?? "");
    const cut = Buffer.from(data, "base64").subarray(0, 10).toString("base64");
    expect(() => parseOtpauthMigrationUri(`otpauth-migration://offline?data=${encodeURIComponent(cut)}`)).toThrow(
      /cut short/,
    );
  });
});
