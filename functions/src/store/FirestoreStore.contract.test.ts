import { randomUUID } from "node:crypto";
import { type App, deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { afterAll, beforeAll } from "vitest";
import { FirestoreStore } from "./FirestoreStore.js";
import { type FirestoreFake, startFirestoreFake } from "./firestore/startFirestoreFake.js";
import { runStoreContract } from "./storeContract.js";

let fake: FirestoreFake;
const apps: App[] = [];

beforeAll(async () => {
  fake = await startFirestoreFake();
  process.env.FIRESTORE_EMULATOR_HOST = fake.host;
});
afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
  fake.stop();
});

runStoreContract("firestore", async () => {
  // A project of its own per test, so tests do not see each other's data.
  const app = initializeApp({ projectId: `demo-${randomUUID().slice(0, 8)}` }, randomUUID());
  apps.push(app);
  return { store: new FirestoreStore(getFirestore(app)) };
});
