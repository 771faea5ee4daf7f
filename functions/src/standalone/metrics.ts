import type { RequestHandler } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Clock } from "../deps.js";
import type { PushSender } from "../push/PushSender.js";
import type { Store } from "../store/Store.js";

/** What the standalone server exposes to Prometheus (docs/server.md, "Metrics"). */
export interface Metrics {
  registry: Registry;
  /** Counts CI calls by outcome and the ones waiting now; createApp runs it before every route. */
  observe: RequestHandler;
  /** The push sender, counting what push services refused. */
  meterPush(push: PushSender): PushSender;
  /** The store, timing each request from its creation to the phone's answer. */
  meterStore(store: Store): Store;
}

/** The CI-facing calls: asking (`POST /otp`, the link-URL forms) and resuming (`GET /requests/:id`). */
function isCiCall(method: string, path: string): boolean {
  if (path === "/api/v1/otp" || path.startsWith("/api/v1/otp/")) return method === "POST" || method === "GET";
  return method === "GET" && /^\/api\/v1\/requests\/[^/]+$/.test(path);
}

/** A CI call's outcome: `delivered`, `timeout`, or the error code it was answered with. */
function outcomeOf(status: number, errorCode: unknown): string {
  if (status === 200) return "delivered";
  if (typeof errorCode === "string") return errorCode;
  return status === 408 ? "timeout" : `http_${status}`;
}

/** Creates the metrics, with Node's process metrics (CPU, memory, event loop lag, handles). */
export function createMetrics(clock: Clock): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const ciCalls = new Counter({
    name: "countersign_ci_calls_total",
    help: "CI calls answered (POST /api/v1/otp and resumes), by outcome: delivered, timeout, denied, policy, unauthorized, rate_limited, …",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const waiting = new Gauge({
    name: "countersign_ci_calls_waiting",
    help: "CI calls held open right now, waiting for a phone's answer",
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: "countersign_http_requests_total",
    help: "HTTP requests answered, by status class (2xx, 4xx, 5xx, …)",
    labelNames: ["status"],
    registers: [registry],
  });
  const pushes = new Counter({
    name: "countersign_push_sent_total",
    help: "Web Push messages the push services accepted",
    registers: [registry],
  });
  const pushFailures = new Counter({
    name: "countersign_push_failures_total",
    help: "Web Push messages refused or not delivered: gone (subscription removed, 404/410) or failed",
    labelNames: ["reason"],
    registers: [registry],
  });
  const approval = new Histogram({
    name: "countersign_approval_seconds",
    help: "Time from a CI request's creation to the phone's answer, by decision",
    labelNames: ["decision"],
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
  });

  const observe: RequestHandler = (req, res, next) => {
    res.on("finish", () => httpRequests.inc({ status: `${String(res.statusCode)[0]}xx` }));
    if (isCiCall(req.method, req.path)) {
      waiting.inc();
      res.once("close", () => waiting.dec());
      res.on("finish", () => ciCalls.inc({ outcome: outcomeOf(res.statusCode, res.locals.errorCode) }));
    }
    next();
  };

  return {
    registry,
    observe,
    meterPush: (push) => ({
      vapidPublicKey: push.vapidPublicKey,
      send: async (subscription, payload) => {
        const result = await push.send(subscription, payload);
        if (result.ok) pushes.inc();
        else pushFailures.inc({ reason: "gone" in result && result.gone ? "gone" : "failed" });
        return result;
      },
    }),
    meterStore: (store) => {
      // Every other method is the store's own (prototype delegation keeps `this` working).
      const metered = Object.create(store) as Store;
      metered.answerRequest = async (id, answer, audit) => {
        const outcome = await store.answerRequest(id, answer, audit);
        if (outcome.ok) {
          const seconds = Math.max(0, clock.now() - outcome.request.createdAt) / 1000;
          approval.observe({ decision: outcome.request.status }, seconds);
        }
        return outcome;
      };
      return metered;
    },
  };
}
