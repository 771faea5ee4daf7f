import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import QRCode from "qrcode";
import { CHROMIUM_ARGS, chromiumPath } from "./chromium.js";

/**
 * Writes a one-frame YUV4MPEG2 video showing `text` as a QR code, for
 * Chromium's `--use-file-for-fake-video-capture` (it loops the frame). The
 * format is a text header and raw planar YUV 4:2:0, so no encoder is needed.
 */
export function writeQrVideo(path: string, text: string, width = 640, height = 480): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const size = qr.modules.size;
  const scale = Math.floor((Math.min(width, height) * 0.8) / (size + 8));
  const left = Math.floor((width - size * scale) / 2);
  const top = Math.floor((height - size * scale) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!qr.modules.get(y, x)) continue;
      for (let dy = 0; dy < scale; dy++) {
        luma.fill(
          16,
          (top + y * scale + dy) * width + left + x * scale,
          (top + y * scale + dy) * width + left + (x + 1) * scale,
        );
      }
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\nFRAME\n`, "ascii");
  writeFileSync(path, Buffer.concat([header, luma, chroma, chroma]));
}

/**
 * `test.use` options for a Chromium whose camera shows `text` as a QR code
 * (a video written by writeQrVideo), the camera allowed without a prompt.
 */
export function cameraShowingQr(text: string) {
  const video = join(mkdtempSync(join(tmpdir(), "countersign-camera-")), "qr.y4m");
  writeQrVideo(video, text);
  return {
    permissions: ["camera"],
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        ...CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        `--use-file-for-fake-video-capture=${video}`,
      ],
    },
  };
}
