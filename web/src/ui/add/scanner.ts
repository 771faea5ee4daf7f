/**
 * QR decoding with html5-qrcode. This module is only reached through dynamic
 * import, so the library stays out of the first screen's bundle.
 */

const FILE_SCRATCH_ID = "qr-file-scratch";

async function library() {
  return import("html5-qrcode");
}

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
  } finally {
    scanner.clear();
  }
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
