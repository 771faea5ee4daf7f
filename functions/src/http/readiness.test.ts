import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import express from "express";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { afterEach, describe, expect, it } from "vitest";
import type { Deps } from "../deps.js";
import { createLogger } from "../logger.js";
import { FirestoreStore } from "../store/FirestoreStore.js";
import { startFirestoreFake } from "../store/firestore/startFirestoreFake.js";
import { startTestApp, type TestApp } from "../testing/startTestApp.js";
import { send } from "../testing/TestDevice.js";
import { readiness } from "./readiness.js";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close().catch(() => {});
  app = undefined;
});

describe("GET /api/v1/ready", () => {
  it("SQLite: 200 while the database answers, 503 once it does not", async () => {
    app = await startTestApp();
    const ready = await send<{ status: string; store: string }>(`${app.url}/api/v1/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", store: "sqlite" });
    expect(ready.headers.get("cache-control")).toBe("no-store");

    await app.store.close();
    const closed = await send<{ error: string }>(`${app.url}/api/v1/ready`);
    expect(closed.status).toBe(503);
    expect(closed.body.error).toBe("unavailable");
    // The process itself still runs: health stays 200, which is why readiness is its own probe.
    expect((await send(`${app.url}/api/v1/health`)).status).toBe(200);
  });

  it("Firestore: 200 while Firestore answers, 503 when it is unreachable", async () => {
    const fake = await startFirestoreFake();
    const previous = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = fake.host;
    const firebase = initializeApp({ projectId: `demo-${randomUUID().slice(0, 8)}` }, randomUUID());
    const deps = { store: new FirestoreStore(getFirestore(firebase)), log: createLogger("silent") } as Deps;
    // The first read opens Firestore's channel, which takes over a second on a busy machine: the
    // production budget, not a shorter one (the unreachable case then takes that long to say 503).
    const server = express().get("/ready", readiness(deps)).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`;
    try {
      const ready = await send<{ status: string; store: string }>(url);
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: "ready", store: "firestore" });

      fake.stop();
      const gone = await send<{ error: string }>(url);
      expect(gone.status).toBe(503);
    } finally {
      server.close();
      await deleteApp(firebase);
      if (previous === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
      else process.env.FIRESTORE_EMULATOR_HOST = previous;
    }
  });
});
