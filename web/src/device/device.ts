import type { Db, DeviceRecord } from "../storage/db.js";

/** This device's pairing, or undefined when not paired yet. */
export function loadDevice(db: Db): Promise<DeviceRecord | undefined> {
  return db.get("device", "device");
}

export async function saveDevice(db: Db, device: DeviceRecord): Promise<void> {
  await db.put("device", device, "device");
}

/** A default device name from the browser, e.g. "Chrome on Android". */
export function guessDeviceName(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : "Browser";
  const os = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad|iPod/.test(userAgent)
      ? "iOS"
      : /Mac OS X/.test(userAgent)
        ? "macOS"
        : /Windows/.test(userAgent)
          ? "Windows"
          : /Linux/.test(userAgent)
            ? "Linux"
            : "";
  return os ? `${browser} on ${os}` : browser;
}
