// Draws the Countersign icon (a white shield with a check mark on blue) as PNG
// files in public/icons/, with no image tools: pixels are computed here and
// written as a PNG by hand (IHDR, one zlib-compressed IDAT, IEND). The pages'
// favicon (web/page.html) is the same drawing as an SVG, in a 100-unit box:
// the rounded square (radius 0.2), the shield (flat top at 0.16, sides at
// 0.2 and 0.8 down to 0.5, then half an ellipse of radii 0.3 × 0.38) and the
// check's two strokes (0.11 wide, round ends).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const outDir = join(dirname(fileURLToPath(import.meta.url)), "..", "public", "icons");
const BLUE = [29, 78, 216];
const WHITE = [255, 255, 255];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function distanceToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Shield in unit coordinates: flat top, straight sides, curving to a point. */
function inShield(u, v) {
  if (v < 0.16 || v > 0.88) return false;
  const half = v < 0.5 ? 0.3 : 0.3 * Math.sqrt(Math.max(0, 1 - ((v - 0.5) / 0.38) ** 2));
  return Math.abs(u - 0.5) <= half;
}

function inCheck(u, v) {
  const width = 0.055;
  return (
    distanceToSegment(u, v, 0.37, 0.5, 0.47, 0.61) < width || distanceToSegment(u, v, 0.47, 0.61, 0.65, 0.39) < width
  );
}

/** Which color a point has, or null for transparent. `scale` shrinks the logo toward the center. */
function colorAt(u, v, { scale, rounded }) {
  if (rounded) {
    const r = 0.2;
    const cx = Math.min(Math.max(u, r), 1 - r);
    const cy = Math.min(Math.max(v, r), 1 - r);
    if (Math.hypot(u - cx, v - cy) > r) return null;
  }
  const su = (u - 0.5) / scale + 0.5;
  const sv = (v - 0.5) / scale + 0.5;
  if (inShield(su, sv)) return inCheck(su, sv) ? BLUE : WHITE;
  return BLUE;
}

function draw(size, options) {
  const samples = 4;
  const rgba = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const color = colorAt((x + (sx + 0.5) / samples) / size, (y + (sy + 0.5) / samples) / size, options);
          if (!color) continue;
          r += color[0];
          g += color[1];
          b += color[2];
          a += 1;
        }
      }
      const i = (y * size + x) * 4;
      rgba[i] = a ? Math.round(r / a) : 0;
      rgba[i + 1] = a ? Math.round(g / a) : 0;
      rgba[i + 2] = a ? Math.round(b / a) : 0;
      rgba[i + 3] = Math.round((a / (samples * samples)) * 255);
    }
  }
  return encodePng(size, rgba);
}

const icons = [
  ["icon-192.png", 192, { scale: 1, rounded: true }],
  ["icon-512.png", 512, { scale: 1, rounded: true }],
  // Maskable icons are cropped to a circle of 80% diameter: full bleed, logo inside the safe zone.
  ["maskable-512.png", 512, { scale: 0.72, rounded: false }],
  ["apple-touch-icon.png", 180, { scale: 0.85, rounded: false }],
  ["favicon-32.png", 32, { scale: 1, rounded: true }],
];

mkdirSync(outDir, { recursive: true });
for (const [name, size, options] of icons) {
  const path = join(outDir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, draw(size, options));
  console.log(`wrote ${name} (${size}×${size})`);
}
