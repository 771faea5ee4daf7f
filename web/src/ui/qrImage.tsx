import { useEffect, useState } from "react";

/** A QR code of `text` as an <img> with a data: URL (the CSP allows img data:). */
export function QrImage({ text, label, size = 240 }: { text: string; label: string; size?: number }) {
  const [src, setSrc] = useState<string | undefined>();
  useEffect(() => {
    let cancelled = false;
    void import("qrcode").then(async (qrcode) => {
      const url = await qrcode.toDataURL(text, { errorCorrectionLevel: "M", margin: 2, width: size });
      if (!cancelled) setSrc(url);
    });
    return () => {
      cancelled = true;
    };
  }, [text, size]);
  return src ? (
    <img className="qr" src={src} alt={label} width={size} height={size} />
  ) : (
    <p role="status">Drawing the QR code…</p>
  );
}
