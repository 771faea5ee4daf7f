/**
 * Reads an npm publish body (`PUT /<name>`: the package document with its
 * tarball base64-encoded in `_attachments.<file>.data`) as it streams in,
 * without holding the tarball: each attachment's base64 is decoded on the fly
 * into a SHA-512 and a byte count, and the rest of the document is parsed as
 * JSON with the data left empty. A 50 MB package costs a few kilobytes.
 */
import { createHash, type Hash } from "node:crypto";
import { StringDecoder } from "node:string_decoder";

export interface AttachmentDigest {
  /** Size of the decoded tarball in bytes. */
  size: number;
  /** `sha512-<base64>`, as npm writes `dist.integrity`. */
  integrity: string;
}

export interface PublishBody {
  /** The package document, every `_attachments.*.data` replaced by "". */
  document: {
    name?: string;
    versions?: Record<string, Record<string, unknown>>;
    "dist-tags"?: Record<string, string>;
    access?: string | null;
    _attachments?: Record<string, { data: string; length?: number }>;
  };
  /** Per attachment file name (`foo-1.2.3.tgz`), in the order they came. */
  attachments: Map<string, AttachmentDigest>;
}

const ATTACHMENTS_KEY = '"_attachments"';
const DATA_KEY = /"data"\s*:\s*"/;

/** Streams base64 text into a hash, four characters at a time. */
class Base64Digest {
  private readonly hash: Hash = createHash("sha512");
  private pending = "";
  size = 0;

  write(text: string): void {
    // JSON may escape "/" as "\/"; base64 itself never contains a backslash.
    const clean = this.pending + text.replace(/\\/g, "");
    const usable = clean.length - (clean.length % 4);
    this.pending = clean.slice(usable);
    if (usable > 0) this.update(Buffer.from(clean.slice(0, usable), "base64"));
  }

  finish(): AttachmentDigest {
    if (this.pending) this.update(Buffer.from(this.pending, "base64"));
    return { size: this.size, integrity: `sha512-${this.hash.digest("base64")}` };
  }

  private update(bytes: Buffer): void {
    this.size += bytes.length;
    this.hash.update(bytes);
  }
}

/**
 * Consumes `body` (an HTTP request or any async iterable of chunks) and
 * returns the document and the attachments' digests. Rejects when the body
 * is not JSON or exceeds `maxBytes`.
 */
export async function readPublishBody(
  body: AsyncIterable<Buffer | string>,
  { maxBytes = 256 * 1024 * 1024 }: { maxBytes?: number } = {},
): Promise<PublishBody> {
  const decoder = new StringDecoder("utf8");
  const digests: AttachmentDigest[] = [];
  let kept = "";
  // Text not yet classified (a key may be split across chunks).
  let carry = "";
  let inAttachments = false;
  let current: Base64Digest | null = null;
  let total = 0;

  const consume = (text: string, final: boolean) => {
    carry += text;
    while (carry.length > 0) {
      if (current) {
        const end = carry.indexOf('"');
        if (end === -1) {
          current.write(carry);
          carry = "";
          return;
        }
        current.write(carry.slice(0, end));
        digests.push(current.finish());
        current = null;
        carry = carry.slice(end);
        continue;
      }
      if (!inAttachments) {
        const at = carry.indexOf(ATTACHMENTS_KEY);
        if (at === -1) {
          const safe = final ? carry.length : Math.max(0, carry.length - ATTACHMENTS_KEY.length);
          kept += carry.slice(0, safe);
          carry = carry.slice(safe);
          return;
        }
        inAttachments = true;
        kept += carry.slice(0, at + ATTACHMENTS_KEY.length);
        carry = carry.slice(at + ATTACHMENTS_KEY.length);
        continue;
      }
      const match = DATA_KEY.exec(carry);
      if (!match) {
        // Keep a tail long enough to hold a split `"data" : "`.
        const safe = final ? carry.length : Math.max(0, carry.length - 16);
        kept += carry.slice(0, safe);
        carry = carry.slice(safe);
        return;
      }
      kept += carry.slice(0, match.index + match[0].length);
      carry = carry.slice(match.index + match[0].length);
      current = new Base64Digest();
    }
  };

  for await (const chunk of body) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    total += bytes.length;
    if (total > maxBytes) throw new Error(`publish body over ${maxBytes} bytes`);
    consume(decoder.write(bytes), false);
  }
  consume(decoder.end(), true);

  const document = JSON.parse(kept) as PublishBody["document"];
  const names = Object.keys(document._attachments ?? {});
  const attachments = new Map<string, AttachmentDigest>();
  names.forEach((name, index) => {
    const digest = digests[index];
    if (digest) attachments.set(name, digest);
  });
  return { document, attachments };
}
