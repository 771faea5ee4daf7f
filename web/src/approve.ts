/**
 * approve.html's entry: the shared entry (src/main.tsx: the stylesheets, and the app) and the
 * approval screen's request, which this page asks for at once, signed with the device's key
 * (src/approval/prefetch.ts). Imported statically, the prefetch and what it needs (the state chunk:
 * IndexedDB, the signing client) are named in the page and fetched with the entry itself, in
 * parallel: the request leaves one round trip sooner than if the entry asked for them.
 *
 * The request's question is drawn into the painted screen as soon as it is in, and the app
 * (React DOM and the screen: 70 KB) is requested once that frame is on screen — as index.html
 * requests it once its screen is painted —, so that on a phone the question waits neither for
 * React DOM's download nor for its evaluation. The facts and the buttons follow with the app.
 */
import { prefetchApproval } from "./approval/prefetch.js";
import { startApp } from "./main.js";
import { approvalSegment } from "./paths.js";

const segment = approvalSegment(window.location.pathname);
if (segment) {
  void prefetchApproval(segment).then((question) => {
    // Nothing drawn (no answer, an error the screen will say): the app at once.
    if (!question) return startApp();
    // Once the frame that shows the question is on screen: Element Timing reports it (the frame's
    // presentation, later than a task run after requestAnimationFrame); where the browser lacks it,
    // after the next frame. (A tab in the background paints nothing: src/main.tsx's timer.)
    if (PerformanceObserver.supportedEntryTypes.includes("element")) {
      new PerformanceObserver((_list, observer) => {
        observer.disconnect();
        startApp();
      }).observe({ type: "element", buffered: true });
    } else {
      requestAnimationFrame(() => setTimeout(startApp));
    }
  });
} else {
  startApp();
}
