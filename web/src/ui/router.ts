import { useSyncExternalStore } from "react";
import { approvalSegment, isHomePath } from "../paths.js";

/** A tiny history router: paths, no hash (the hash carries pairing codes). */

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  for (const listener of listeners) listener();
  window.scrollTo(0, 0);
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export type Route =
  | { name: "home" }
  | { name: "pair" }
  | { name: "recover" }
  | { name: "add" }
  | { name: "account"; id: string }
  | { name: "approve"; requestId: string }
  | { name: "settings" }
  | { name: "not-found" };

export function matchRoute(path: string): Route {
  if (isHomePath(path)) return { name: "home" };
  if (path === "/pair") return { name: "pair" };
  if (path === "/recover") return { name: "recover" };
  if (path === "/add") return { name: "add" };
  if (path === "/settings") return { name: "settings" };
  const account = /^\/accounts\/([^/]+)$/.exec(path);
  if (account?.[1]) return { name: "account", id: decodeURIComponent(account[1]) };
  const approve = approvalSegment(path);
  if (approve) return { name: "approve", requestId: decodeURIComponent(approve) };
  return { name: "not-found" };
}
