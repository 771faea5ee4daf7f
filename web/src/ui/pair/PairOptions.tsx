import { type ChangeEvent, useEffect, useId, useState } from "react";
import { Link } from "../Link.js";
import { ErrorText } from "../Screen.js";

/** The fragment of a scanned pairing link of this server, or undefined when the text is something else. */
export function pairingFragment(text: string, origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.origin !== origin || url.pathname !== "/pair" || !/(^|[#&])(invite|code)=/.test(url.hash)) return undefined;
  return url.hash;
}

function CameraInvite({ onText }: { onText: (text: string) => void }) {
  const viewId = `invite-view-${useId().replace(/:/g, "")}`;
  const [status, setStatus] = useState("Starting the camera…");
  useEffect(() => {
    let stop: (() => Promise<void>) | undefined;
    let cancelled = false;
    void import("../add/scanner.js")
      .then(({ startCameraScan }) => startCameraScan(viewId, onText))
      .then((stopScan) => {
        stop = stopScan;
        if (cancelled) void stopScan();
        else setStatus("Point the camera at the invite QR code on your other device.");
      })
      .catch(() => setStatus("No camera is available. Open the invite link on this device instead."));
    return () => {
      cancelled = true;
      void stop?.();
    };
  }, [viewId, onText]);
  return (
    <div className="scan">
      <div id={viewId} className="scan-view" />
      <p role="status">{status}</p>
    </div>
  );
}

/**
 * Beside the pairing form: scan an invite QR code from a paired device (camera
 * or image, with the app's scanner), or recover with the recovery code.
 */
export function PairOptions({ onPairingLink }: { onPairingLink: (fragment: string) => void }) {
  const [scanning, setScanning] = useState(false);
  const [error, setError] = useState("");
  const [reading, setReading] = useState(false);
  const [onText] = useState(() => (text: string) => {
    const fragment = pairingFragment(text, window.location.origin);
    if (!fragment) return setError("That QR code is not an invite of this Countersign server.");
    setError("");
    setScanning(false);
    onPairingLink(fragment);
  });
  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    setReading(true);
    setError("");
    try {
      const { decodeImageFile } = await import("../add/scanner.js");
      onText(await decodeImageFile(file));
    } catch {
      setError("No QR code was found in that image. Try a sharper screenshot or crop it to the code.");
    } finally {
      setReading(false);
    }
  };
  return (
    <section className="section" aria-labelledby="pair-options-title">
      <h2 id="pair-options-title">Other ways</h2>
      {scanning ? (
        <CameraInvite onText={onText} />
      ) : (
        <div className="actions">
          <button type="button" className="button button-secondary" onClick={() => setScanning(true)}>
            Scan invite QR code
          </button>
          <label className="button button-secondary file-button">
            {reading ? "Reading…" : "Invite QR from an image"}
            <input
              type="file"
              accept="image/*"
              className="visually-hidden"
              aria-label="Invite QR from an image"
              disabled={reading}
              onChange={(event) => void onFile(event)}
            />
          </label>
        </div>
      )}
      <ErrorText>{error}</ErrorText>
      <p>
        Lost every paired device? <Link to="/recover">Recover with a recovery code</Link>.
      </p>
    </section>
  );
}
