import { useEffect, useState } from "react";
import "./qrImage.css";

/** A QR code of `text` as an <img> with a data: URL (the CSP allows img data:). */
export function QrImage({ text, label, size = 320 }: { text: string; label: string; size?: number }) {
  const [src, setSrc] = useState<string | undefined>();
  useEffect(() => {
    let cancelled = false;
    void import("qrcode").then(async (qrcode) => {
      // Whole pixels per module, 4 of them (qrcode's default): html5-qrcode misses some codes drawn larger or rescaled.
      const url = await qrcode.toDataURL(text, { errorCorrectionLevel: "M", margin: 4, scale: 4 });
      if (!cancelled) setSrc(url);
    });
    return () => {
      cancelled = true;
    };
  }, [text]);
  return src ? (
    <img className="qr" src={src} alt={label} width={size} height={size} />
  ) : (
    <p role="status">Drawing the QR code…</p>
  );
}
