import { matchRoute, type Route } from "./router.js";

/**
 * Every screen but the code list, each its own chunk: the first screen loads
 * none of them. A module import is fetched once and kept, so calling a
 * loader early (preloadScreen) makes the later render instant.
 */
export const screens = {
  pair: () => import("./pair/Pair.js"),
  recover: () => import("./recover/Recover.js"),
  add: () => import("./add/AddAccount.js"),
  account: () => import("./account/AccountDetail.js"),
  approve: () => import("./approval/Approval.js"),
  settings: () => import("./settings/Settings.js"),
} satisfies Partial<Record<Route["name"], () => Promise<unknown>>>;

/**
 * Starts loading the screen a path shows, e.g. when a finger lands on a link
 * to it: the chunk is usually there by the time the tap ends.
 */
export function preloadScreen(path: string): void {
  const { name } = matchRoute(path);
  if (name in screens) void screens[name as keyof typeof screens]().catch(() => undefined);
}
