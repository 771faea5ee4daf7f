/**
 * The paths the entries read before the router is loaded (src/main.tsx, src/approval/prefetch.ts) and the
 * router itself (src/ui/router.ts): one definition, in a module that imports nothing, so the page's
 * first script does not carry the router.
 */

/** "/" (or the file that serves it): the code list. */
export function isHomePath(path: string): boolean {
  return path === "/" || path === "/index.html";
}

/** The request's segment of /approve/<segment>, still URI-encoded; undefined for any other path. */
export function approvalSegment(path: string): string | undefined {
  return /^\/approve\/([^/]+)$/.exec(path)?.[1];
}

/**
 * The screens the app lock does not hide, as they show no code (pairing, recovery, an approval, which
 * asks for the passkey itself): they need neither the lock's gate nor the code list (src/ui/App.tsx).
 */
export function bypassesAppLock(path: string): boolean {
  return path === "/pair" || path === "/recover" || approvalSegment(path) !== undefined;
}
