import { createHash } from "node:crypto";

/** SHA-256 of the parts (joined by a NUL, which no part contains), hex: a document id safe for any input. */
export function hashedDocId(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000"), "utf8").digest("hex");
}

/**
 * A record id as a document id. The relay's own ids (base64url) pass through
 * unchanged so documents stay readable in the console; anything Firestore
 * would refuse (a slash, `.`/`..`, `__reserved__`, over 1,500 bytes, empty)
 * is hashed instead.
 */
export function recordDocId(id: string): string {
  const usable =
    id.length > 0 &&
    Buffer.byteLength(id, "utf8") <= 1500 &&
    !id.includes("/") &&
    id !== "." &&
    id !== ".." &&
    !/^__.*__$/.test(id);
  return usable ? id : `~${hashedDocId(id)}`;
}
