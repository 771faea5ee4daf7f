import type { SecurityEvent, SecurityEventKind } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { newId } from "../secrets.js";
import { notifyDevices } from "./notifyDevices.js";

/**
 * How long security events are kept. They go by age only: with a cap on their
 * number (100 before), a paired device could erase the record of its own
 * pairing by causing events (invite, pair, remove, over and over).
 */
export const SECURITY_EVENT_RETENTION_MS = 180 * 24 * 60 * 60 * 1000;

/** Most events one call lists; older ones are reached with `before`. */
export const MAX_SECURITY_EVENTS_LISTED = 500;

/** Where servers before the security_events table kept the newest 100 events, as one JSON setting. */
const LEGACY_EVENTS_SETTING = "securityEvents";

/** Moves events kept by an older server into the store, once. */
async function migrateLegacyEvents(deps: Pick<Deps, "store">): Promise<void> {
  const raw = await deps.store.getSetting(LEGACY_EVENTS_SETTING);
  if (!raw) return;
  let events: SecurityEvent[] = [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (Array.isArray(parsed)) events = parsed as SecurityEvent[];
  } catch {}
  for (const event of events) await deps.store.addSecurityEvent(event);
  await deps.store.claimSetting(LEGACY_EVENTS_SETTING, raw);
}

/** Security events, newest first: pairings, removals, recovery, passkeys (see MAX_SECURITY_EVENTS_LISTED). */
export async function listSecurityEvents(
  deps: Pick<Deps, "store">,
  options: { limit?: number; before?: number } = {},
): Promise<SecurityEvent[]> {
  await migrateLegacyEvents(deps);
  return deps.store.listSecurityEvents(
    Math.min(options.limit ?? MAX_SECURITY_EVENTS_LISTED, MAX_SECURITY_EVENTS_LISTED),
    options.before,
  );
}

/** Deletes security events past SECURITY_EVENT_RETENTION_MS; returns how many went. */
export async function pruneSecurityEvents(deps: Pick<Deps, "store" | "clock">): Promise<number> {
  return deps.store.pruneSecurityEvents(deps.clock.now() - SECURITY_EVENT_RETENTION_MS);
}

/**
 * Files a security event (kept for SECURITY_EVENT_RETENTION_MS) and, when
 * `notify` lists devices, pushes them a notification saying what happened.
 */
export async function recordSecurityEvent(
  deps: Pick<Deps, "store" | "clock" | "random" | "push" | "log">,
  event: { kind: SecurityEventKind; message: string; device: { id: string; name: string } | null },
  notify: { deviceIds: string[]; title: string } | null = null,
): Promise<SecurityEvent> {
  const entry: SecurityEvent = {
    id: newId(deps.random),
    at: deps.clock.now(),
    kind: event.kind,
    message: event.message,
    deviceId: event.device?.id ?? null,
    deviceName: event.device?.name ?? null,
  };
  await migrateLegacyEvents(deps);
  await deps.store.addSecurityEvent(entry);
  deps.log.info("security event", { kind: entry.kind, deviceId: entry.deviceId });
  if (notify && notify.deviceIds.length > 0) {
    await notifyDevices(deps, notify.deviceIds, {
      v: 1,
      type: "security",
      title: notify.title,
      body: entry.message,
      at: entry.at,
    });
  }
  return entry;
}
