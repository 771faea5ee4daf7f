import type { PushPayload, PushSubscriptionBody } from "@countersign/shared";
import type { Deps } from "../deps.js";
import type { PushResult } from "../push/PushSender.js";
import { DEFAULT_PUSH_RETRY, type RetryPolicy, retryPush } from "../push/retryPush.js";

type NotifyDeps = Pick<Deps, "store" | "push" | "log">;

/**
 * Tells the devices holding the request's account that it expired unanswered
 * (withdrawn, cancelled or timed out), so each closes its notification.
 */
export async function notifyExpired(deps: NotifyDeps, request: { id: string; accountId: string }): Promise<void> {
  const account = await deps.store.getAccount(request.accountId);
  await notifyDevices(deps, account?.deviceIds ?? [], {
    v: 1,
    type: "answered",
    requestId: request.id,
    status: "expired",
    answeredBy: "",
  });
}

/**
 * Pushes `payload` to each listed device that has a subscription. Failures are
 * logged and never thrown: a CI request must not fail because a phone is
 * unreachable. Subscriptions the push service reports gone are removed. A
 * retryable failure (network error, 429, 5xx) is retried in the background
 * (`retry`, by default twice within 5 s) — the returned promise does not wait
 * for it; `retries` collects those background attempts for tests and shutdown.
 */
export async function notifyDevices(
  deps: NotifyDeps,
  deviceIds: readonly string[],
  payload: PushPayload,
  options: { retry?: RetryPolicy; retries?: Promise<void>[] } = {},
): Promise<void> {
  await Promise.all(
    deviceIds.map(async (deviceId) => {
      const device = await deps.store.getDevice(deviceId);
      if (!device?.push) return;
      const subscription = device.push;
      const result = await deps.push.send(subscription, payload);
      if (!result.ok && !result.gone && result.retryable) {
        deps.log.info("push failed, retrying", { deviceId, type: payload.type, reason: result.reason });
        const retried = retryPush(
          () => deps.push.send(subscription, payload),
          result,
          options.retry ?? DEFAULT_PUSH_RETRY,
        )
          .then(({ result: last, retries }) => report(deps, deviceId, subscription, payload, last, retries))
          .catch((error) => deps.log.warn("push retry failed", { deviceId, reason: String(error) }));
        options.retries?.push(retried);
        return;
      }
      await report(deps, deviceId, subscription, payload, result, 0);
    }),
  );
}

async function report(
  deps: NotifyDeps,
  deviceId: string,
  subscription: PushSubscriptionBody,
  payload: PushPayload,
  result: PushResult,
  retries: number,
) {
  if (result.ok) {
    deps.log.debug("push sent", {
      deviceId,
      type: payload.type,
      requestId: "requestId" in payload ? payload.requestId : undefined,
      ...(retries > 0 ? { retries } : {}),
    });
  } else if (result.gone) {
    // After a background retry the device may have subscribed anew: only drop the subscription that is gone.
    const current = retries > 0 ? (await deps.store.getDevice(deviceId))?.push : subscription;
    if (current?.endpoint === subscription.endpoint) await deps.store.updateDevice(deviceId, { push: null });
    deps.log.info("push subscription gone, removed", { deviceId, status: result.status });
  } else {
    deps.log.warn("push failed", { deviceId, type: payload.type, reason: result.reason, retries });
  }
}
