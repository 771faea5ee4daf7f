/**
 * index.html, pair.html and approve.html paint a screen from static markup
 * (#first-paint) before any script runs; the server sends them for "/",
 * /pair and /approve/… to a browser without the service worker (once it is
 * installed it answers every navigation with shell.html). index.html is the
 * code list of a new phone — no pairing, no account —, pair.html the pairing
 * form, approve.html the approval screen while it loads the request: the same
 * elements as the app renders then (src/ui/home/Home.tsx, src/ui/pair/Pair.tsx,
 * src/ui/approval/Approval.tsx; e2e/tests/app/first-paint.spec.ts compares
 * them). The app loads after that paint (src/main.tsx) into the hidden #root,
 * and once its own screen is ready it calls revealApp, which swaps the two in
 * one frame: nothing moves and nothing paints twice. shell.html has no
 * #first-paint and shows #root.
 *
 * A phone that holds accounts but lost its service worker (rare: browsers
 * clear both together) sees the new phone's screen until its own is ready.
 */

/** The route the page's markup painted ("home", "pair", "approve"); undefined on shell.html and once revealed. */
export function paintedRoute(): string | undefined {
  return document.getElementById("first-paint")?.dataset.route;
}

/**
 * Swaps the painted screen for the app's. The painted screen's controls are disabled (pair.html):
 * nothing can be typed or tapped there that the app would then lose, so there is nothing to carry over.
 */
export function revealApp(): void {
  document.getElementById("first-paint")?.remove();
  document.getElementById("root")?.removeAttribute("hidden");
}
