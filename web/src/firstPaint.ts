/**
 * index.html is what the server sends for "/" and what a new phone gets on
 * its first visit (once the service worker is installed it answers every
 * navigation with shell.html). It paints the code list of a new phone — no
 * pairing, no account — from static markup (#first-paint) before any script
 * runs: the same elements as src/ui/home/Home.tsx renders then
 * (e2e/tests/app/first-paint.spec.ts compares them). The app loads after that
 * paint (src/main.tsx) into the hidden #root, and once its own screen is
 * ready it calls revealApp, which swaps the two in one frame: nothing moves
 * and nothing paints twice. shell.html has no #first-paint and shows #root.
 *
 * A phone that holds accounts but lost its service worker (rare: browsers
 * clear both together) sees the new phone's screen until its own is ready.
 */
export function revealApp(): void {
  document.getElementById("first-paint")?.remove();
  document.getElementById("root")?.removeAttribute("hidden");
}
