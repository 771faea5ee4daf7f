/**
 * The app's own pages, as its router matches them (`matchRoute` in web/src/ui/router.ts; a
 * test keeps the two in step): only a navigation to one of these gets index.html. Anything
 * else that is neither a file of the app nor the API answers 404, so a monitor probing
 * `/healthz` or a scraper asking `/metrics` is told the truth instead of getting the app's
 * page with 200.
 */
const APP_ROUTES = [
  /^\/$/,
  /^\/index\.html$/,
  /^\/pair$/,
  /^\/recover$/,
  /^\/add$/,
  /^\/settings$/,
  /^\/accounts\/[^/]+$/,
  /^\/approve\/[^/]+$/,
];

/** True for a path the app's router shows a page for. */
export function isAppRoute(path: string): boolean {
  return APP_ROUTES.some((route) => route.test(path));
}
