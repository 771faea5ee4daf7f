// The stylesheets are the entry's, so each page links them in its <head> and paints with them.
import "./ui/styles.css";
import "./ui/lock/style.css";

/**
 * The entry. On index.html, pair.html and approve.html (a phone without the
 * service worker) the first screen is painted from markup (firstPaint.ts): the app is requested right after that
 * paint, so the paint never waits for, nor shares the network with, the
 * app's 70 KB of script (on /approve/… the request itself is asked for at once:
 * src/approval/prefetch.ts). On shell.html it starts at once (and was preloaded).
 */
let started = false;
const start = () => {
  if (started) return;
  started = true;
  void import("./boot.js");
  // The painted screen's own chunk, and the small ones it shares with other screens (named by the
  // build in pair.html and approve.html), are fetched with the app rather than once the app asks
  // for them: a round trip less before the pairing form works or the approval screen shows its
  // request. Links, not import(): the chunks stay as the app splits them.
  const chunks = document.querySelector<HTMLMetaElement>('meta[name="countersign-screen-chunk"]')?.content;
  for (const chunk of chunks?.split(" ").filter(Boolean) ?? []) {
    const link = Object.assign(document.createElement("link"), { rel: "modulepreload", href: chunk });
    link.crossOrigin = "";
    document.head.append(link);
  }
};
// /approve/…: the screen's largest element is the request, which only the app's signed call can
// fetch. That call starts now (src/approval/prefetch.ts, a small chunk: the device key and the
// signing client), while the page paints and React loads. (Starting the app at once as well, not
// after the paint, measured no sooner: docs/benchmarks.md.)
const approval = /^\/approve\/([^/]+)$/.exec(window.location.pathname)?.[1];
if (approval) void import("./approval/prefetch.js").then(({ prefetchApproval }) => prefetchApproval(approval));
if (document.getElementById("first-paint")) {
  // The paint timing entry is reported once the frame is on screen (a rendering step can be
  // later than the task that drew it); a tab in the background paints nothing, hence the timer.
  new PerformanceObserver(start).observe({ type: "paint", buffered: true });
  setTimeout(start, 1000);
} else {
  start();
}
