/**
 * QR decoding with html5-qrcode. This module is only reached through dynamic
 * import, so the library stays out of the first screen's bundle.
 */

import type { Html5Qrcode } from "html5-qrcode";

const FILE_SCRATCH_ID = "qr-file-scratch";

async function library() {
  return import("html5-qrcode");
}

/**
 * The sizes at which an image is tried, each upright and then turned a quarter.
 * html5-qrcode alone misses some clean, sharp codes, more of them the larger
 * they are drawn: in Chromium, 2.8 % of random npm codes at 4 px per module and
 * 13–17 % at 8 and 12 px. Turned a quarter, or drawn smaller, they are found:
 * the app read all 64 such codes it was given (`BENCH_ONLY=qr npm run bench`;
 * docs/app.md, "QR codes in images").
 */
export const TRY_SCALES = [1, 1 / 2, 1 / 3, 3 / 4, 1 / 4, 3 / 5, 2 / 5, 1 / 5, 2] as const;

/** Copies smaller than this on their shorter side cannot hold a QR code; larger than this on their longer side cost too much memory. */
const COPY_PX = { min: 40, max: 2048 } as const;

/** Decodes the QR code in an image file (a screenshot of a registry's 2FA page). */
export async function decodeImageFile(file: File): Promise<string> {
  const { Html5Qrcode } = await library();
  let scratch = document.getElementById(FILE_SCRATCH_ID);
  if (!scratch) {
    scratch = document.createElement("div");
    scratch.id = FILE_SCRATCH_ID;
    scratch.hidden = true;
    document.body.append(scratch);
  }
  const scanner = new Html5Qrcode(FILE_SCRATCH_ID, { verbose: false });
  try {
    return await scanner.scanFile(file, false);
  } catch (notFound) {
    const text = await scanRedrawn(scanner, file);
    if (text === undefined) throw notFound;
    return text;
  } finally {
    scanner.clear();
  }
}

/** The first text `scanner` reads from a copy of `file` at one of `TRY_SCALES`, upright or turned; undefined if none. */
async function scanRedrawn(scanner: Html5Qrcode, file: File): Promise<string | undefined> {
  const image = await createImageBitmap(file).catch(() => undefined);
  if (!image) return undefined;
  try {
    for (const scale of TRY_SCALES) {
      for (const turned of [false, true]) {
        if (scale === 1 && !turned) continue; // the file itself, tried first
        const copy = await redrawn(image, scale, turned);
        if (!copy) break;
        const text = await scanner.scanFile(copy, false).catch(() => undefined);
        if (text !== undefined) return text;
      }
    }
    return undefined;
  } finally {
    image.close();
  }
}

/** `image` drawn at `scale` (smoothed), turned a quarter clockwise if asked, as a PNG file; undefined when too small or too large. */
async function redrawn(image: ImageBitmap, scale: number, turned: boolean): Promise<File | undefined> {
  const width = Math.round(image.width * scale);
  const height = Math.round(image.height * scale);
  if (Math.min(width, height) < COPY_PX.min || Math.max(width, height) > COPY_PX.max) return undefined;
  const canvas = document.createElement("canvas");
  canvas.width = turned ? height : width;
  canvas.height = turned ? width : height;
  const context = canvas.getContext("2d");
  if (!context) return undefined;
  context.imageSmoothingQuality = "high";
  if (turned) {
    context.translate(height, 0);
    context.rotate(Math.PI / 2);
  }
  context.drawImage(image, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  return blob ? new File([blob], "copy.png", { type: "image/png" }) : undefined;
}

/** Starts the camera in `elementId` and calls `onText` with each decoded QR code. Returns a stop function. */
export async function startCameraScan(elementId: string, onText: (text: string) => void): Promise<() => Promise<void>> {
  const { Html5Qrcode } = await library();
  const scanner = new Html5Qrcode(elementId, { verbose: false });
  await scanner.start(
    { facingMode: "environment" },
    {
      fps: 10,
      qrbox: (width, height) => ({ width: Math.min(width, height, 280), height: Math.min(width, height, 280) }),
    },
    (text) => onText(text),
    () => {},
  );
  return async () => {
    if (scanner.isScanning) await scanner.stop();
    scanner.clear();
  };
}
