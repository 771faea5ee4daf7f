import { IDEMPOTENCY_KEY_PATTERN, OtpRequestBody, type OtpResponse, redactTokens } from "@countersign/shared";
import type { ErrorRequestHandler, Request, RequestHandler, Response, Router } from "express";
import type { Deps } from "../deps.js";
import { awaitOtp, requestOtp, resumeOtp, waitSeconds, withdrawOtp } from "../domain/requestOtp.js";
import { AppError } from "../errors.js";
import type { RequestRecord, WaitSignal } from "../store/Store.js";
import {
  bearerToken,
  clientAddress,
  oidcTokenHeader,
  onlyMethods,
  parseBody,
  parseIntegerParam,
  parseQuery,
  sendOtp,
  urlToken,
  userAgentOf,
} from "./httpHelpers.js";
import type { ResponseHeaders } from "./securityHeaders.js";

export interface CiRouteOptions {
  /** When aborted, waiting CI calls answer 408 at once (with their request id) so clients resume elsewhere. */
  shutdown?: AbortSignal | undefined;
  limited: RequestHandler;
  /** The API's error handler: a parked call's failure is answered the way a thrown one is. */
  errors: ErrorRequestHandler;
  /** The API's headers (createApp.ts): a parked call drops them for its wait and sets them again to answer. */
  headers: ResponseHeaders;
}

/** The CI side: ask for a code (link token as bearer or in the URL), resume a wait, withdraw a request. */
export function mountCiRoutes(api: Router, deps: Deps, options: CiRouteOptions): void {
  const { limited, errors, headers } = options;

  // CI calls waiting for an answer, each with the wait that ends it early. One
  // listener on the shutdown signal ends them all: a listener per call would trip
  // Node's MaxListenersExceededWarning past 10 waiting calls, and AbortSignal.any
  // leaks an entry on the shutdown signal per call on Node 20.
  const waiting = new Set<CallWait>();
  options.shutdown?.addEventListener(
    "abort",
    () => {
      for (const wait of waiting) wait.abort();
      waiting.clear();
    },
    { once: true },
  );

  /** Ends when the server shuts down or the client goes away, whichever comes first. */
  const waitSignal = (res: Response): WaitSignal => {
    const wait = new CallWait();
    if (options.shutdown?.aborted) {
      wait.abort();
      return wait;
    }
    waiting.add(wait);
    res.on("close", () => {
      waiting.delete(wait);
      // A response that was sent ended its wait first: nothing is left to end.
      if (!res.writableFinished) wait.abort();
    });
    return wait;
  };

  /**
   * Answers a waiting CI call when `answer` settles, after its handler has
   * returned. A handler that awaited the answer itself would keep express's
   * routing state for the request (the router's frames, reachable from
   * `req.next` and the pending handler promise) and its own scope alive for the
   * whole wait, several KB per call. While parked the call holds its request
   * and response (Node's, without the API's constant headers), its CallWait
   * and the store's waiter.
   * Errors take the same path as thrown ones (`errors`).
   */
  const park = (req: Request, res: Response, answer: Promise<OtpResponse>) => {
    // Not needed any more, and kept alive as long as the call waits otherwise:
    // the raw body (a slice that pins an 8 KB Buffer pool slab) and the router
    // frame express leaves in req.next (nothing routes this request further).
    req.body = undefined;
    req.next = undefined;
    // The API's constant headers, set again when the answer is written: Node keeps
    // a [name, value] pair per header, ≈ 1.3 KB per waiting call.
    headers.drop(res);
    // One reaction on the answer, not a chain of three (each a promise held for the whole wait).
    const failed = (error: unknown) => {
      try {
        if (!res.headersSent) headers.set(req, res);
        errors(error, req, res, () => {});
      } catch (failure) {
        deps.log.error("could not answer a CI call", {
          error: redactTokens(failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure)),
        });
        res.destroy();
      }
    };
    answer.then((otp) => {
      try {
        headers.set(req, res);
        sendOtp(req, res, otp);
      } catch (error) {
        failed(error);
      }
    }, failed);
  };

  const otp = async (req: Request, res: Response, token: string) => {
    const query = parseQuery(req, ["wait"]);
    const body = req.method === "GET" ? {} : parseBody(OtpRequestBody, req, true);
    const idempotencyKey = req.get("idempotency-key") ?? null;
    if (idempotencyKey !== null && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new AppError("bad_request", "Idempotency-Key must be 1 to 200 printable ASCII characters.");
    }
    // Every input is checked before anything happens: a bad ?wait= must not start a request.
    const queryWait = parseIntegerParam("wait", query.wait, 86_400);
    const seconds = waitSeconds(deps.config, body.wait ?? queryWait);
    let parked = false;
    const wait = (request: RequestRecord) => {
      parked = true;
      park(req, res, awaitOtp(deps, request, seconds, waitSignal(res)));
    };
    // A new request's wait starts before its notification goes out (requestOtp calls `wait`
    // then); a joined one's after requestOtp returns.
    const request = await requestOtp(
      deps,
      {
        token,
        body,
        idempotencyKey,
        ip: clientAddress(req),
        userAgent: userAgentOf(req),
        method: req.method === "GET" ? "GET" : "POST",
      },
      wait,
    );
    if (!parked) wait(request);
  };

  // Express answers HEAD with the GET handler and drops the body: a HEAD of the link
  // (link scanners, chat previews) would ring the phone and burn the code. The CI
  // routes take only their documented methods; anything else is refused before it
  // touches anything.
  api.all("/otp", onlyMethods("POST"));
  api.all("/otp/:token", onlyMethods("GET", "POST"));
  api.all("/requests/:requestId", onlyMethods("GET", "DELETE"));

  api.post("/otp", limited, async (req, res) => otp(req, res, bearerToken(req)));
  api.post("/otp/:token", limited, async (req, res) => otp(req, res, urlToken(req)));
  api.get("/otp/:token", limited, async (req, res) => otp(req, res, urlToken(req)));

  api.get("/requests/:requestId", limited, (req, res) => {
    const token = bearerToken(req);
    const query = parseQuery(req, ["wait"]);
    const seconds = waitSeconds(deps.config, parseIntegerParam("wait", query.wait, 86_400));
    const oidcToken = oidcTokenHeader(req);
    park(
      req,
      res,
      resumeOtp(deps, {
        token,
        requestId: String(req.params.requestId),
        seconds,
        signal: waitSignal(res),
        ...(oidcToken ? { oidcToken } : {}),
        ip: clientAddress(req),
        userAgent: userAgentOf(req),
      }),
    );
  });

  api.delete("/requests/:requestId", limited, async (req, res) => {
    const token = bearerToken(req);
    parseQuery(req, []);
    const oidcToken = oidcTokenHeader(req);
    await withdrawOtp(deps, {
      token,
      requestId: String(req.params.requestId),
      ...(oidcToken ? { oidcToken } : {}),
      ip: clientAddress(req),
      userAgent: userAgentOf(req),
    });
    res.status(204).end();
  });
}

/**
 * What ends one CI call's wait early (the client went away, or the server
 * shuts down): the part of an AbortSignal the stores use. Not an
 * AbortController: Node builds every AbortSignal by changing an EventTarget's
 * prototype, which gives each one a hidden class of its own in V8 (≈ 0.5 KB
 * per waiting call, docs/server.md "Memory"), and aborting one creates an
 * AbortError with its stack.
 */
class CallWait implements WaitSignal {
  aborted = false;
  private listeners: (() => void)[] = [];
  addEventListener(_type: "abort", listener: () => void) {
    if (!this.aborted) this.listeners.push(listener);
  }
  removeEventListener(_type: "abort", listener: () => void) {
    this.listeners = this.listeners.filter((l) => l !== listener);
  }
  abort() {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}
