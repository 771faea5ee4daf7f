import { bypassesAppLock } from "../paths.js";
import { matchRoute, type Route } from "./router.js";

type CodeList = typeof import("./home/codeList.js");
let codeList: CodeList | undefined;

/**
 * Every screen, each its own chunk: the app's chunk (boot) holds none of them, so the pairing and
 * approval screens do not download the code list. A module import is fetched once and kept, so
 * calling a loader early (preloadScreen, or src/main.tsx on "/") makes the later render instant.
 */
export const screens = {
  // The code list, with the app lock's gate that every screen but pairing, recovery and approval is behind.
  home: (): Promise<CodeList> => import("./home/codeList.js").then((module) => (codeList = module)),
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
  if (!bypassesAppLock(path)) void screens.home().catch(() => undefined);
}

/**
 * The code list's chunk, if it is already in: src/boot.tsx waits for it before the first render of a
 * screen behind the app lock, so that render has the gate (and the code list) at once.
 */
export function loadedCodeList(): CodeList | undefined {
  return codeList;
}
