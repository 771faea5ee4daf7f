import { chromium } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "../../../e2e/helpers/chromium.js";
import { html5QrcodeReads, loadHtml5Qrcode, qrPng } from "../../../e2e/helpers/html5Qrcode.js";
import { startServerProcess } from "../lib/serverProcess.js";

export interface QrScaleResult {
  /** Pixels per QR module in the PNG. */
  scale: number;
  codes: number;
  /** Codes html5-qrcode's `scanFile` alone did not read (or misread). */
  libraryMissed: number;
  /** Of those, how many were uploaded to the app's Add account → Image, and how many it added. */
  appTried: number;
  appRead: number;
}

export interface QrImageResults {
  perScale: QrScaleResult[];
  /** Upload → code on screen for the codes the library missed, ms. */
  appMs: number[];
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Random npm-style otpauth URIs from a fixed seed (xorshift32), so every run draws the same codes. */
function* otpauthUris(seed: number, prefix: string): Generator<{ label: string; uri: string }> {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  for (let i = 0; ; i++) {
    let secret = "";
    for (let k = 0; k < 32; k++) secret += BASE32[next() & 31];
    const label = `${prefix}-${i}-maintainer`;
    yield { label, uri: `otpauth://totp/npm:${label}?secret=${secret}&issuer=npm` };
  }
}

/**
 * How often html5-qrcode alone misses a clean QR code in an image, at several
 * module sizes, and whether the app (which retries turned and smaller) reads
 * the ones it missed: each missed code, up to `appLimit` per size, is uploaded
 * through the real app's Add account → Image in headless Chromium.
 */
export async function benchQrImages(options: {
  codesPerScale: number;
  scales: readonly number[];
  appLimit: number;
  log?: (line: string) => void;
}): Promise<QrImageResults> {
  const server = await startServerProcess({ host: "localhost" });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  try {
    const library = await browser.newPage();
    await loadHtml5Qrcode(library);
    const app = await (await browser.newContext({ baseURL: server.origin })).newPage();
    const perScale: QrScaleResult[] = [];
    const appMs: number[] = [];
    for (const scale of options.scales) {
      const result: QrScaleResult = { scale, codes: 0, libraryMissed: 0, appTried: 0, appRead: 0 };
      const codes = otpauthUris(scale * 7919, `scale${scale}`);
      for (let i = 0; i < options.codesPerScale; i++) {
        const { label, uri } = codes.next().value as { label: string; uri: string };
        const png = await qrPng(uri, scale);
        result.codes++;
        if ((await html5QrcodeReads(library, png)) === uri) continue;
        result.libraryMissed++;
        if (result.appTried >= options.appLimit) continue;
        result.appTried++;
        await app.goto("/add");
        await app.getByRole("button", { name: "Image" }).click();
        const started = performance.now();
        await app.getByLabel("Upload image").setInputFiles({ name: "qr.png", mimeType: "image/png", buffer: png });
        const added = app.getByRole("listitem").filter({ hasText: label });
        const refused = app.getByRole("alert").filter({ hasText: /\S/ });
        await added.or(refused).first().waitFor({ timeout: 30_000 });
        appMs.push(performance.now() - started);
        if (await added.isVisible()) result.appRead++;
        else
          options.log?.(
            `    not read: ${uri.replace(/secret=\w+/, "secret=…")} (${await refused.first().textContent()})`,
          );
      }
      options.log?.(
        `  ${scale} px per module: html5-qrcode alone missed ${result.libraryMissed} of ${result.codes}; the app read ${result.appRead} of the ${result.appTried} uploaded`,
      );
      perScale.push(result);
    }
    return { perScale, appMs };
  } finally {
    await browser.close();
    await server.kill("SIGTERM");
  }
}
