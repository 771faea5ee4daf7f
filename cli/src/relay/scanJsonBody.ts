import { createHash, type Hash } from "node:crypto";

/**
 * What the relay keeps of a JSON request body while streaming it upstream:
 * short strings, numbers and booleans at the paths it cares about, and for
 * `_attachments.<file>.data` (a publish's base64 tarball, possibly tens of
 * megabytes) only the decoded size and SHA-512. Memory stays flat in the
 * body's size.
 */
export interface ScannedBody {
  /** Scalars by path (`["versions", "1.2.3", "dist", "integrity"]` → "sha512-…"), in body order. */
  values: { path: string[]; value: string | number | boolean | null }[];
  /** Object keys seen at depth 1 and 2 (`versions.1.2.3`), in order: `[["versions", "1.2.3"], …]`. */
  keys: string[][];
  /** Tarballs under `_attachments`: file name → decoded size and SHA-512 (base64). */
  attachments: Map<string, { size: number; sha512: string }>;
  /** False when the body was not well-formed JSON (then nothing above is trusted). */
  complete: boolean;
}

/** Longest string kept; longer ones (READMEs) are skipped. */
const MAX_KEPT_STRING = 1024;
/** Deepest path recorded; deeper values are skipped. */
const MAX_KEPT_DEPTH = 6;

type Frame =
  | { kind: "object"; key: string | null; expectKey: boolean; colon: boolean }
  | { kind: "array"; index: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isAttachmentData(path: readonly string[]): boolean {
  return path.length === 3 && path[0] === "_attachments" && path[2] === "data";
}

/** A base64 stream into SHA-512, carrying incomplete 4-character groups between chunks. */
class Base64Digest {
  private readonly hash: Hash = createHash("sha512");
  private carry = "";
  size = 0;
  push(text: string) {
    const all = this.carry + text;
    const usable = all.length - (all.length % 4);
    this.carry = all.slice(usable);
    if (usable === 0) return;
    const bytes = Buffer.from(all.slice(0, usable), "base64");
    this.size += bytes.length;
    this.hash.update(bytes);
  }
  finish(): { size: number; sha512: string } {
    if (this.carry) {
      const bytes = Buffer.from(this.carry, "base64");
      this.size += bytes.length;
      this.hash.update(bytes);
    }
    return { size: this.size, sha512: this.hash.digest("base64") };
  }
}

/**
 * A streaming JSON scanner: feed it the body's chunks with `write`, then
 * `end()`. It is a small state machine over bytes; string contents are
 * found with `indexOf`, so a 70 MB base64 string costs native speed.
 */
export class JsonBodyScanner {
  private readonly stack: Frame[] = [];
  private readonly result: ScannedBody = { values: [], keys: [], attachments: new Map(), complete: false };
  private failed = false;
  private done = false;
  /** Inside a string: the bytes kept so far (null when skipping), whether the last byte was a backslash. */
  private string: { kept: Buffer[] | null; keptLength: number; escape: boolean; isKey: boolean } | null = null;
  private digest: Base64Digest | null = null;
  /** A number/true/false/null being read. */
  private literal = "";

  write(chunk: Buffer): void {
    if (this.failed) return;
    let i = 0;
    while (i < chunk.length && !this.failed) {
      if (this.string) {
        i = this.readString(chunk, i);
        continue;
      }
      const byte = chunk[i] as number;
      if (this.literal && !isLiteralByte(byte)) this.finishLiteral();
      if (this.failed) return;
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) {
        i++;
        continue;
      }
      if (isLiteralByte(byte)) {
        if (!this.literal) this.beforeValue();
        this.literal += String.fromCharCode(byte);
        i++;
        continue;
      }
      switch (byte) {
        case QUOTE: {
          const top = this.stack[this.stack.length - 1];
          const isKey = top?.kind === "object" && top.expectKey;
          if (!isKey) this.beforeValue();
          const path = this.currentPath();
          const keep = isKey || path.length <= MAX_KEPT_DEPTH;
          this.string = { kept: keep && !isAttachmentData(path) ? [] : null, keptLength: 0, escape: false, isKey };
          if (!isKey && isAttachmentData(path)) this.digest = new Base64Digest();
          i++;
          break;
        }
        case 0x7b: // {
          this.beforeValue();
          this.stack.push({ kind: "object", key: null, expectKey: true, colon: false });
          i++;
          break;
        case 0x5b: // [
          this.beforeValue();
          this.stack.push({ kind: "array", index: -1 });
          i++;
          break;
        case 0x7d: // }
        case 0x5d: {
          // ]
          const top = this.stack.pop();
          if (!top || (top.kind === "object") !== (byte === 0x7d)) this.failed = true;
          else this.afterValue();
          i++;
          break;
        }
        case 0x3a: {
          // :
          const top = this.stack[this.stack.length - 1];
          if (top?.kind !== "object" || top.key === null || top.expectKey || top.colon) this.failed = true;
          else top.colon = true;
          i++;
          break;
        }
        case 0x2c: {
          // ,
          const top = this.stack[this.stack.length - 1];
          if (!top) this.failed = true;
          else if (top.kind === "object") {
            top.expectKey = true;
            top.key = null;
            top.colon = false;
          }
          i++;
          break;
        }
        default:
          this.failed = true;
      }
    }
  }

  end(): ScannedBody {
    if (this.literal) this.finishLiteral();
    this.result.complete = !this.failed && !this.string && this.stack.length === 0 && this.done;
    return this.result;
  }

  private currentPath(): string[] {
    const path: string[] = [];
    for (const frame of this.stack) {
      if (frame.kind === "object") path.push(frame.key ?? "");
      else path.push(String(frame.index));
    }
    return path;
  }

  /** A value starts: arrays advance their index; a value at the top level is the whole body. */
  private beforeValue() {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (this.done) this.failed = true;
      return;
    }
    if (top.kind === "array") top.index++;
    else if (top.expectKey || top.key === null || !top.colon) this.failed = true;
  }

  private afterValue() {
    if (this.stack.length === 0) this.done = true;
  }

  private readString(chunk: Buffer, start: number): number {
    const state = this.string as NonNullable<typeof this.string>;
    let i = start;
    if (state.escape) {
      state.escape = false;
      this.keep(state, chunk.subarray(i, i + 1));
      i++;
    }
    while (i < chunk.length) {
      const quote = chunk.indexOf(QUOTE, i);
      const backslash = chunk.indexOf(BACKSLASH, i);
      const stop = quote === -1 ? backslash : backslash === -1 ? quote : Math.min(quote, backslash);
      if (stop === -1) {
        this.keep(state, chunk.subarray(i));
        return chunk.length;
      }
      this.keep(state, chunk.subarray(i, stop));
      if (stop === backslash) {
        this.keep(state, chunk.subarray(stop, stop + 1));
        if (stop + 1 < chunk.length) {
          this.keep(state, chunk.subarray(stop + 1, stop + 2));
          i = stop + 2;
        } else {
          state.escape = true;
          i = stop + 1;
        }
        continue;
      }
      this.closeString(state);
      return stop + 1;
    }
    return i;
  }

  private keep(state: NonNullable<typeof this.string>, bytes: Buffer) {
    if (bytes.length === 0) return;
    if (this.digest) {
      // Base64 needs no escapes; a `\/` some encoders write is just `/`.
      this.digest.push(bytes.toString("latin1").replace(/\\/g, ""));
      return;
    }
    if (!state.kept) return;
    state.keptLength += bytes.length;
    if (state.keptLength > MAX_KEPT_STRING * 6) {
      state.kept = null;
      return;
    }
    state.kept.push(Buffer.from(bytes));
  }

  private closeString(state: NonNullable<typeof this.string>) {
    this.string = null;
    let text: string | null = null;
    if (state.kept) {
      try {
        text = JSON.parse(`"${Buffer.concat(state.kept).toString("utf8")}"`) as string;
      } catch {
        this.failed = true;
        return;
      }
      if (text.length > MAX_KEPT_STRING) text = null;
    }
    const top = this.stack[this.stack.length - 1];
    if (state.isKey && top?.kind === "object") {
      top.key = text ?? "";
      top.expectKey = false;
      if (this.stack.length <= 2) this.result.keys.push(this.currentPath());
      return;
    }
    const path = this.currentPath();
    if (this.digest) {
      this.result.attachments.set(path[1] ?? "", this.digest.finish());
      this.digest = null;
    } else if (text !== null) {
      this.result.values.push({ path, value: text });
    }
    this.afterValue();
  }

  private finishLiteral() {
    const text = this.literal;
    this.literal = "";
    let value: number | boolean | null;
    if (text === "true") value = true;
    else if (text === "false") value = false;
    else if (text === "null") value = null;
    else if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) value = Number(text);
    else {
      this.failed = true;
      return;
    }
    const path = this.currentPath();
    if (path.length <= MAX_KEPT_DEPTH) this.result.values.push({ path, value });
    this.afterValue();
  }
}

function isLiteralByte(byte: number): boolean {
  // digits, - + . e E, and the letters of true/false/null
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2b ||
    byte === 0x2e ||
    (byte >= 0x61 && byte <= 0x7a) ||
    byte === 0x45
  );
}
