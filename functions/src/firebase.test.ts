import type { AddressInfo } from "node:net";
import express from "express";
import type { Request } from "firebase-functions/https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restoreRawBody } from "./firebase.js";

/**
 * Cloud Functions parses the body before the app runs and keeps the bytes as
 * `rawBody` (as this front app does); the app behind restoreRawBody must still
 * see the exact bytes through its own raw parser, because device signatures
 * cover them.
 */
let base = "";
let close: () => void;

beforeAll(async () => {
  const inner = express();
  inner.use(express.raw({ type: () => true, limit: 1024 }));
  inner.post("/echo", (req, res) => {
    res.json({ isBuffer: Buffer.isBuffer(req.body), text: Buffer.from(req.body).toString("utf8") });
  });

  const front = express();
  front.use(
    express.json({
      verify: (req, _res, buf) => {
        (req as unknown as Request).rawBody = buf;
      },
    }),
  );
  front.use((req, res) => {
    if (restoreRawBody(req as unknown as Request, res, 64)) inner(req, res);
  });
  const server = front.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(() => close());

describe("restoreRawBody", () => {
  it("gives the app the exact bytes Cloud Functions already parsed", async () => {
    const sent = '{ "decision":  "deny" }';
    const response = await fetch(`${base}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: sent,
    });
    expect(await response.json()).toEqual({ isBuffer: true, text: sent });
  });

  it("gives an empty body to calls without one", async () => {
    const response = await fetch(`${base}/echo`, { method: "POST" });
    expect(await response.json()).toEqual({ isBuffer: true, text: "" });
  });

  it("answers 413 with a JSON error for a body over the app's limit", async () => {
    const response = await fetch(`${base}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ padding: "x".repeat(100) }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect((await response.json()).error).toBe("payload_too_large");
  });
});
