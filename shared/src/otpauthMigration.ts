import { encodeBase32 } from "./base32.js";
import { decodeBase64url } from "./base64url.js";
import { type OtpAccount, OtpauthError, validateAccount } from "./otpauth.js";

/** What an `otpauth-migration://` export yielded: the TOTP accounts, and what was left out and why. */
export interface MigrationImport {
  accounts: OtpAccount[];
  skipped: { name: string; reason: string }[];
}

const ALGORITHMS: Record<number, string> = { 0: "SHA1", 1: "SHA1", 2: "SHA256", 3: "SHA512" };
const DIGITS: Record<number, number> = { 0: 6, 1: 6, 2: 8 };
const TYPE_HOTP = 1;
const TYPE_TOTP = 2;

interface ProtoField {
  field: number;
  wireType: number;
  varint?: number;
  bytes?: Uint8Array;
}

/** Reads the fields of one protobuf message (varint and length-delimited; 32/64-bit skipped). */
function readFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length) throw new OtpauthError("The export code is cut short.");
      const byte = bytes[pos++] as number;
      if (shift < 49) result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new OtpauthError("The export code is damaged.");
    }
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (wireType === 0) fields.push({ field, wireType, varint: varint() });
    else if (wireType === 2) {
      const length = varint();
      if (pos + length > bytes.length) throw new OtpauthError("The export code is cut short.");
      fields.push({ field, wireType, bytes: bytes.subarray(pos, pos + length) });
      pos += length;
    } else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else throw new OtpauthError("The export code is damaged.");
    if (pos > bytes.length) throw new OtpauthError("The export code is cut short.");
  }
  return fields;
}

function decodeData(data: string): Uint8Array {
  // The data parameter is standard base64 (URL-decoded by URLSearchParams, where "+" may have become " ").
  const text = data.replace(/ /g, "+").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new OtpauthError("The export code's data is not base64.");
  return decodeBase64url(text);
}

/**
 * Parses Google Authenticator's export QR code, `otpauth-migration://offline?data=…`:
 * base64 of a protobuf MigrationPayload whose repeated field 1 holds
 * OtpParameters {1 secret (bytes), 2 name, 3 issuer, 4 algorithm, 5 digits,
 * 6 type, 7 counter}. TOTP entries are returned; HOTP and unreadable entries
 * are listed in `skipped` with the reason.
 */
export function parseOtpauthMigrationUri(uri: string): MigrationImport {
  const text = uri.trim();
  if (!/^otpauth-migration:\/\/offline\?/i.test(text)) {
    throw new OtpauthError('This is not a Google Authenticator export code (it starts with "otpauth-migration://").');
  }
  const data = new URLSearchParams(text.slice(text.indexOf("?") + 1)).get("data");
  if (!data) throw new OtpauthError("The export code has no data.");
  const payload = readFields(decodeData(data));
  const result: MigrationImport = { accounts: [], skipped: [] };
  const decoder = new TextDecoder("utf-8", { fatal: false });
  for (const entry of payload) {
    if (entry.field !== 1 || !entry.bytes) continue;
    let secret: Uint8Array | undefined;
    let name = "";
    let issuer = "";
    let algorithm = 0;
    let digits = 0;
    let type = 0;
    for (const f of readFields(entry.bytes)) {
      if (f.field === 1 && f.bytes) secret = f.bytes;
      else if (f.field === 2 && f.bytes) name = decoder.decode(f.bytes);
      else if (f.field === 3 && f.bytes) issuer = decoder.decode(f.bytes);
      else if (f.field === 4 && f.varint !== undefined) algorithm = f.varint;
      else if (f.field === 5 && f.varint !== undefined) digits = f.varint;
      else if (f.field === 6 && f.varint !== undefined) type = f.varint;
    }
    // Google Authenticator puts "Issuer:name" in the name; keep the account part.
    const prefix = issuer ? `${issuer}:` : "";
    const label = (prefix && name.startsWith(prefix) ? name.slice(prefix.length) : name).trim() || issuer;
    const shown = issuer ? `${issuer}: ${label}` : label || "(unnamed)";
    if (type === TYPE_HOTP) {
      result.skipped.push({
        name: shown,
        reason: "counter-based (HOTP) codes cannot answer CI; only TOTP is imported",
      });
      continue;
    }
    if (type !== TYPE_TOTP && type !== 0) {
      result.skipped.push({ name: shown, reason: "unknown code type" });
      continue;
    }
    const alg = ALGORITHMS[algorithm];
    const dig = DIGITS[digits];
    if (!secret || secret.length === 0 || !alg || !dig) {
      result.skipped.push({ name: shown, reason: "the entry is incomplete or uses an unsupported algorithm" });
      continue;
    }
    try {
      result.accounts.push(
        validateAccount({
          issuer,
          label: label || "account",
          secret: encodeBase32(secret),
          algorithm: alg,
          digits: dig,
          period: 30,
        }),
      );
    } catch (error) {
      result.skipped.push({ name: shown, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  if (result.accounts.length === 0 && result.skipped.length === 0) {
    throw new OtpauthError("The export code holds no accounts.");
  }
  return result;
}
