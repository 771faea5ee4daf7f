// The stylesheets are the entry's, so each page links them in its <head> and paints with them.
import "./ui/styles.css";
import "./ui/lock/style.css";
import { approvalSegment, bypassesAppLock } from "./paths.js";

/**
 * The entry. On index.html, pair.html and approve.html (a phone without the
 * service worker) the first screen is painted from markup (firstPaint.ts): the app is requested right after that
 * paint, so the paint never waits for, nor shares the network with, the
 * app's 70 KB of script. On approve.html "that paint" is the request's question, drawn once the
 * signed call has answered (src/approval/prefetch.ts, that page's entry, starts the app then). On
 * shell.html it starts at once (and was preloaded).
 */
let started = false;
export const startApp = () => {
  if (started) return;
  started = true;
  void import("./boot.js");
  // The painted screen's own chunk, and the small ones it shares with other screens (named by the
  // build in pair.html and approve.html), are fetched with the app rather than once the app asks
  // for them: a round trip less before the pairing form works or the approval screen shows its
  // request. Links, not import(): the chunks stay as the app splits them.
  // The code list and the app lock's gate are a chunk of their own too (the pairing and approval
  // screens do not download it): index.html and shell.html name it, fetched with the app on the
  // screens behind the lock (not an import(): that would split what it shares with the app into
  // more files).
  const named = (name: string) =>
    document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content.split(" ").filter(Boolean) ?? [];
  const chunks = [
    ...named("countersign-screen-chunk"),
    ...(bypassesAppLock(window.location.pathname) ? [] : named("countersign-home-chunk")),
  ];
  for (const chunk of chunks) {
    const link = Object.assign(document.createElement("link"), { rel: "modulepreload", href: chunk });
    link.crossOrigin = "";
    document.head.append(link);
  }
};
const painted = document.getElementById("first-paint");
// The pages painted from markup name no manifest (vite.config.ts, manifestLinkedByTheApp): the
// browser would fetch it and its icon (2.5 KB) while the first screen loads. The code list and the
// pairing screen link it once the app starts, and the browser judges the app installable from then
// on. approve.html, a page opened to answer one CI request, does not: the app's own pages
// (shell.html, which the service worker the app registers serves) carry it.
function linkManifest() {
  if (document.querySelector('link[rel="manifest"]')) return;
  document.head.append(
    Object.assign(document.createElement("link"), { rel: "manifest", href: "/manifest.webmanifest" }),
  );
}
// /approve/… from the service worker (shell.html): the screen's largest element is the request,
// which only the app's signed call can fetch. That call starts now (src/approval/prefetch.ts, a
// small chunk: the device key and the signing client), while React loads. On approve.html the
// same module is the page's entry, so that it arrives with the page.
const approval = approvalSegment(window.location.pathname);
if (approval && !painted)
  void import("./approval/prefetch.js").then(({ prefetchApproval }) => prefetchApproval(approval));
if (painted?.dataset.route === "approve") {
  // src/approval/prefetch.ts starts the app once the request is drawn (or could not be); the timer
  // is for a request that takes long to answer (a slow network) or a tab in the background.
  setTimeout(startApp, 2000);
} else if (painted) {
  // The paint timing entry is reported once the frame is on screen (a rendering step can be
  // later than the task that drew it); a tab in the background paints nothing, hence the timer.
  const start = () => {
    startApp();
    linkManifest();
  };
  new PerformanceObserver(start).observe({ type: "paint", buffered: true });
  setTimeout(start, 1000);
} else {
  startApp();
}
