import { type ApprovalView, describeRequest } from "@countersign/shared";
import type { ApiResult } from "../api/client.js";
import { startApp } from "../main.js";
import { approvalSegment } from "../paths.js";
import { getServices } from "../services.js";
// The page's state module, which the app imports too: this chunk then shares the app's state chunk
// (React, IndexedDB, the signing client) instead of splitting it in two (one more request).
import "../ui/state.js";
import { fetchApproval } from "./fetchApproval.js";

/**
 * The approval screen's request, asked for as soon as the page's script runs, while React loads:
 * this module is approve.html's entry (below), and the shell's entry (src/main.tsx) imports it on
 * /approve/…; the approval screen takes the answer from it. The call is the app's own signed one
 * (the device key from IndexedDB, as getServices reads it), so nothing about it changes but when it
 * starts. The screen takes the answer once.
 *
 * On approve.html the answer's question (the screen's heading: what CI asks to do, and from where)
 * is drawn into the painted screen at once, in place of its "Loading the request…" line, exactly
 * as the app renders it (src/ui/approval/Approval.tsx): the phone shows what is asked without
 * waiting for React DOM, and the app, once it takes over, starts from that answer (prefetchedView),
 * so the heading stays where it is and the facts and buttons appear below it.
 */
let pending:
  | { requestId: string; result: Promise<ApiResult<ApprovalView>>; settled?: ApiResult<ApprovalView> }
  | undefined;

/**
 * Puts the request's question in place of approve.html's loading line, and returns it (nothing once
 * the app has taken over). Its `elementtiming` attribute makes the browser report the frame that
 * first shows it (startApprovePage starts the app then).
 */
function drawQuestion(view: ApprovalView): HTMLElement | undefined {
  const loading = document.querySelector('#first-paint[data-route="approve"] #main > .loading');
  if (!loading) return undefined;
  const question = document.createElement("h2");
  question.className = "question";
  question.setAttribute("elementtiming", "approval-question");
  question.textContent = describeRequest(view);
  loading.replaceWith(question);
  return question;
}

/**
 * Starts the signed call for /approve/<segment> (the path's segment, as the router reads it).
 * Resolves once the answer is in, to the question it drew on approve.html (undefined when there
 * was nothing to draw: no answer, an error, or not that page); never rejects.
 */
export function prefetchApproval(segment: string): Promise<HTMLElement | undefined> {
  let requestId: string;
  try {
    requestId = decodeURIComponent(segment);
  } catch {
    return Promise.resolve(undefined); // Not a request id: the screen says so when it asks.
  }
  const entry: NonNullable<typeof pending> = {
    requestId,
    result: getServices().then((services) => fetchApproval(services.api, requestId)),
  };
  pending = entry;
  return entry.result.then(
    (result) => {
      entry.settled = result;
      return result.ok ? drawQuestion(result.data) : undefined;
    },
    () => undefined,
  );
}

/** The prefetched request, if its answer is already in: the screen's first render starts from it. */
export function prefetchedView(requestId: string): ApprovalView | undefined {
  const settled = pending?.requestId === requestId ? pending.settled : undefined;
  return settled?.ok ? settled.data : undefined;
}

/** The prefetched answer for this request, once: later loads (a refresh after an answer) ask again. */
export function takePrefetchedApproval(requestId: string): Promise<ApiResult<ApprovalView>> | undefined {
  if (pending?.requestId !== requestId) return undefined;
  const { result } = pending;
  pending = undefined;
  return result;
}

/**
 * approve.html's entry (this module is its script: the page fetches one file of its own, not an
 * entry file that imports this one). The shared entry (src/main.tsx: the stylesheets, and the app)
 * and the state chunk (IndexedDB, the signing client) are named in the page and fetched with it,
 * in parallel, and the request is asked for at once.
 *
 * The request's question is drawn into the painted screen as soon as it is in, and the app
 * (React DOM and the screen: 70 KB) is requested once that frame is on screen — as index.html
 * requests it once its screen is painted —, so that on a phone the question waits neither for
 * React DOM's download nor for its evaluation. The facts and the buttons follow with the app.
 * Loaded anywhere else (the shell's prefetch, the approval screen's import), it does nothing here.
 */
function startApprovePage(segment: string) {
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
}

if (document.getElementById("first-paint")?.dataset.route === "approve") {
  const segment = approvalSegment(window.location.pathname);
  if (segment) startApprovePage(segment);
  else startApp();
}
