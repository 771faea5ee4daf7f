import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { FirestoreStore } from "@countersign/functions/dist/store/FirestoreStore.js";
import { startFirestoreFake } from "@countersign/functions/dist/store/firestore/startFirestoreFake.js";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { benchRoundTrips, type RoundTripResults, relayInProcess } from "./roundTrips.js";

/**
 * The same round-trip benchmark with FirestoreStore over the in-process Firestore
 * fake (gRPC on loopback); the relay runs in the benchmark's process too (the
 * fake lives there), so its CPU is counted with the load generator's.
 */
export async function benchFirestore(options: {
  runs: number;
  durationMs: number;
  concurrency: number;
  sequential: number;
  log?: (line: string) => void;
}): Promise<RoundTripResults> {
  // The fake keeps one emitter listener per open onSnapshot; 16 concurrent waiters exceed Node's default warning level.
  EventEmitter.defaultMaxListeners = 200;
  const fake = await startFirestoreFake();
  process.env.FIRESTORE_EMULATOR_HOST = fake.host;
  // Never probe the GCE metadata server (a link-local address outside this machine).
  process.env.METADATA_SERVER_DETECTION = "none";
  const app = initializeApp({ projectId: `demo-bench-${randomUUID().slice(0, 8)}` }, randomUUID());
  try {
    return await benchRoundTrips({
      ...options,
      relay: relayInProcess(async () => new FirestoreStore(getFirestore(app))),
    });
  } finally {
    await deleteApp(app);
    fake.stop();
  }
}
