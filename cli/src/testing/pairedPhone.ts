import { ApiDevice } from "../../../e2e/helpers/apiDevice.js";
import { startPushSink } from "./startPushSink.js";
import { type Relay, startRelay } from "./startRelay.js";

/** The real relay, a push sink, and a test device paired with it holding one npm account. */
export interface PairedPhone {
  relay: Relay;
  push: Awaited<ReturnType<typeof startPushSink>>;
  device: ApiDevice;
  accountId: string;
  /** A fresh CI link for the account: each has its own limits and can be revoked alone. */
  newLink(): Promise<{ url: string; token: string }>;
  close(): Promise<void>;
}

/** Starts the relay with `env`, pairs a device subscribed to push, and adds the account `user` at `issuer`. */
export async function startPairedPhone(
  user: string,
  env: Record<string, string> = {},
  issuer = "npm",
): Promise<PairedPhone> {
  const push = await startPushSink();
  const relay = await startRelay({ COUNTERSIGN_PUSH_ALLOW: push.host, ...env }).catch(async (error) => {
    await push.close();
    throw error;
  });
  const device = await ApiDevice.pair(relay.origin, { setupCode: relay.setupCode });
  await device.subscribePush(push.subscription);
  const accountId = (await device.createAccount(issuer, user)).id;
  return {
    relay,
    push,
    device,
    accountId,
    newLink: () => device.createLink(accountId, `CI ${Math.random().toString(36).slice(2, 8)}`),
    close: async () => {
      await relay.stop();
      await push.close();
    },
  };
}
