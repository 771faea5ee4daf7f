import type { SecurityEvent, SecurityEventKind } from "@countersign/shared";
import type { Deps } from "../deps.js";
import { newId } from "../secrets.js";
import { notifyDevices } from "./notifyDevices.js";

const EVENTS_SETTING = "securityEvents";
const KEEP_EVENTS = 100;

function parseEvents(raw: string | null): SecurityEvent[] {
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as SecurityEvent[]) : [];
  } catch {
    return [];
  }
}

/** Security events, newest first: pairings, removals, recovery. */
export async function listSecurityEvents(deps: Pick<Deps, "store">): Promise<SecurityEvent[]> {
  return parseEvents(await deps.store.getSetting(EVENTS_SETTING));
}

/**
 * Files a security event (the newest {@link KEEP_EVENTS} are kept) and, when
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
  const events = [entry, ...(await listSecurityEvents(deps))].slice(0, KEEP_EVENTS);
  await deps.store.setSetting(EVENTS_SETTING, JSON.stringify(events));
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
