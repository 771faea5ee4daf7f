import { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { expect, it } from "vitest";
import { expressMessageClasses } from "./expressMessages.js";

it("requests and responses are created with express's prototypes and work as express's and Node's", async () => {
  const app = express();
  const seen: { sameRequest: boolean; sameResponse: boolean; nodeRequest: boolean; nodeResponse: boolean }[] = [];
  app.post("/echo", express.json(), (req, res) => {
    seen.push({
      sameRequest: Object.getPrototypeOf(req) === app.request,
      sameResponse: Object.getPrototypeOf(res) === app.response,
      nodeRequest: req instanceof IncomingMessage,
      nodeResponse: res instanceof ServerResponse,
    });
    res.status(201).json({ got: req.body, type: req.get("content-type"), app: req.app === app && res.app === app });
  });
  const server = createServer(expressMessageClasses(app), app);
  // Before express sees them: already with its prototypes, so its setPrototypeOf changes nothing.
  const asCreated: boolean[] = [];
  server.prependListener("request", (req, res) =>
    asCreated.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
    for (let i = 0; i < 2; i++) {
      const reply = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ n: i }),
      });
      expect(reply.status).toBe(201);
      expect(await reply.json()).toEqual({ got: { n: i }, type: "application/json", app: true });
    }
    expect(asCreated).toEqual([true, true]);
    expect(seen).toEqual(
      Array.from({ length: 2 }, () => ({
        sameRequest: true,
        sameResponse: true,
        nodeRequest: true,
        nodeResponse: true,
      })),
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
