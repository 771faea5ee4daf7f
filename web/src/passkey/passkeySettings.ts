import { settingsRecord } from "../storage/settingsRecord.js";

/**
 * This device's passkey settings, in their own small IndexedDB database so
 * the page and the service worker read them without touching the vault.
 * They hold no secret: the passkey itself lives in the platform authenticator
 * and the server enforces the approval requirement; these settings only tell
 * the app to ask for the passkey (and the worker to leave approving to the
 * app).
 */
export interface PasskeySettings {
  /** The device the passkey was registered for (a new pairing does not inherit it). */
  deviceId: string;
  /** Credential id, base64url. */
  credentialId: string;
  transports: string[];
  /** The app lock: codes hidden until the passkey is used, after `idleMinutes` without use (0: whenever the app is left). */
  lock: { enabled: boolean; idleMinutes: number };
}

const stored = settingsRecord<PasskeySettings>("countersign-passkey", "settings", "passkey");

/** The passkey settings of `deviceId`, or undefined when this device has no passkey. */
export async function loadPasskeySettings(deviceId: string | undefined): Promise<PasskeySettings | undefined> {
  if (!deviceId) return undefined;
  const saved = await stored.load();
  return saved?.deviceId === deviceId ? saved : undefined;
}

export async function savePasskeySettings(settings: PasskeySettings): Promise<void> {
  await stored.save(settings);
}

export async function clearPasskeySettings(): Promise<void> {
  await stored.clear();
}
