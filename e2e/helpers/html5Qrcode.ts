import { createRequire } from "node:module";
import type { Page } from "@playwright/test";
import QRCode from "qrcode";

/** `text` as a PNG QR code drawn sharp at `scale` px per module, with a 4-module margin. */
export function qrPng(text: string, scale: number): Promise<Buffer> {
  return QRCode.toBuffer(text, { errorCorrectionLevel: "M", margin: 4, scale });
}

const LIBRARY = createRequire(import.meta.url).resolve("html5-qrcode/html5-qrcode.min.js");

/** Puts html5-qrcode's published bundle, on its own, into a blank document in `page`. */
export async function loadHtml5Qrcode(page: Page): Promise<void> {
  await page.goto("about:blank");
  await page.setContent('<div id="scratch" hidden></div>');
  await page.addScriptTag({ path: LIBRARY });
}

/**
 * What html5-qrcode on its own reads from the PNG with `scanFile`, optionally
 * turned a quarter clockwise first; null when it finds no code. `page` must
 * have had `loadHtml5Qrcode`.
 */
export function html5QrcodeReads(page: Page, png: Buffer, turned = false): Promise<string | null> {
  return page.evaluate(
    async ({ base64, turned }) => {
      const { Html5Qrcode } = (window as unknown as { __Html5QrcodeLibrary__: typeof import("html5-qrcode") })
        .__Html5QrcodeLibrary__;
      let blob = new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: "image/png" });
      if (turned) {
        const image = await createImageBitmap(blob);
        const canvas = new OffscreenCanvas(image.height, image.width);
        const context = canvas.getContext("2d");
        context?.translate(image.height, 0);
        context?.rotate(Math.PI / 2);
        context?.drawImage(image, 0, 0);
        blob = await canvas.convertToBlob({ type: "image/png" });
      }
      const scanner = new Html5Qrcode("scratch", { verbose: false });
      try {
        return await scanner.scanFile(new File([blob], "qr.png", { type: "image/png" }), false);
      } catch {
        return null;
      } finally {
        scanner.clear();
      }
    },
    { base64: png.toString("base64"), turned },
  );
}
