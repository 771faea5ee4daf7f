import { useSyncExternalStore } from "react";
import type { PasskeySettings } from "./passkeySettings.js";

/**
 * The app lock's state: locked after the configured idle time (0: whenever
 * the app is left or opened afresh). The last activity time is kept in
 * localStorage so a reopened app knows how long it was away; it is no secret
 * (the lock hides the codes from someone holding the unlocked phone; it is not
 * encryption).
 */

const LAST_ACTIVE_KEY = "countersign.lastActive";
const CHECK_EVERY_MS = 5000;

let locked = false;
let lock: PasskeySettings["lock"] | undefined;
let lastActive = 0;
let started = false;
const listeners = new Set<() => void>();

function set(next: boolean) {
  if (locked === next) return;
  locked = next;
  for (const listener of listeners) listener();
}

function readLastActive(): number {
  const saved = Number(localStorage.getItem(LAST_ACTIVE_KEY));
  return Number.isFinite(saved) ? saved : 0;
}

function touch(now = Date.now()) {
  lastActive = now;
  localStorage.setItem(LAST_ACTIVE_KEY, String(now));
}

function idleTooLong(now = Date.now()): boolean {
  if (!lock?.enabled) return false;
  return now - lastActive >= lock.idleMinutes * 60_000;
}

function start() {
  if (started) return;
  started = true;
  const onActivity = () => {
    if (!locked && Date.now() - lastActive > 1000) touch();
  };
  window.addEventListener("pointerdown", onActivity, { capture: true });
  window.addEventListener("keydown", onActivity, { capture: true });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      if (!locked) touch();
      if (lock?.enabled && lock.idleMinutes === 0) set(true);
    } else if (idleTooLong()) {
      set(true);
    }
  });
  setInterval(() => {
    if (idleTooLong()) set(true);
  }, CHECK_EVERY_MS);
}

/**
 * Applies this device's lock setting: on first call (app start) the app opens
 * locked unless it was used within the idle time; later calls (the setting
 * changed in Settings) keep the current state.
 */
export function configureAppLock(settings: PasskeySettings | null, options: { appStart: boolean }): void {
  lock = settings?.lock;
  if (!lock?.enabled) {
    set(false);
    return;
  }
  start();
  if (options.appStart) {
    lastActive = readLastActive();
    set(lock.idleMinutes === 0 || idleTooLong());
  } else if (!locked) {
    touch();
  }
}

/** Opens the lock after the passkey was used. */
export function unlockApp(): void {
  touch();
  set(false);
}

export function useAppLocked(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => locked,
  );
}
