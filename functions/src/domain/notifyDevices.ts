import type { PushPayload } from "@countersign/shared";
import type { Deps } from "../deps.js";

/**
 * Pushes `payload` to each listed device that has a subscription. Failures are
 * logged and never thrown: a CI request must not fail because a phone is
 * unreachable. Subscriptions the push service reports gone are removed.
 */
export async function notifyDevices(
  deps: Pick<Deps, "store" | "push" | "log">,
  deviceIds: readonly string[],
  payload: PushPayload,
): Promise<void> {
  await Promise.all(
    deviceIds.map(async (deviceId) => {
      const device = await deps.store.getDevice(deviceId);
      if (!device?.push) return;
      const result = await deps.push.send(device.push, payload);
      if (result.ok) {
        deps.log.debug("push sent", {
          deviceId,
          type: payload.type,
          requestId: "requestId" in payload ? payload.requestId : undefined,
        });
      } else if (result.gone) {
        await deps.store.updateDevice(deviceId, { push: null });
        deps.log.info("push subscription gone, removed", { deviceId, status: result.status });
      } else {
        deps.log.warn("push failed", { deviceId, type: payload.type, reason: result.reason });
      }
    }),
  );
}
