import type { AddressInfo } from "node:net";
import express from "express";

/**
 * The benchmarks' "hello" endpoint as its own process (started with
 * child_process.fork by the round-trip benchmark): a plain express app with
 * GET /hello → "hello" on 127.0.0.1, an ephemeral port reported over IPC.
 * It exits when its parent goes away.
 */
const app = express();
app.get("/hello", (_req, res) => {
  res.send("hello");
});
const server = app.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on("disconnect", () => process.exit(0));
