import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expressMessageClasses } from "@countersign/functions/dist/standalone/expressMessages.js";
import express from "express";

/**
 * The "waiting floor" benchmark's server, as its own process (started with
 * child_process.fork, argument `http`, `express` or `express-prototypes`): every POST is read to its
 * end and then held open, unanswered, as the relay holds a waiting CI call;
 * `GET /held` answers how many are held. Nothing else is kept per request:
 * what the process grows by with 10,000 held is what Node (and express) cost.
 * On 127.0.0.1, an ephemeral port reported over IPC; it exits when its parent
 * goes away.
 */
const kind = process.argv[2];
const held = new Set<ServerResponse>();
const hold = (res: ServerResponse) => {
  held.add(res);
  res.on("close", () => held.delete(res));
};
const count = (res: ServerResponse) => {
  res.setHeader("content-type", "text/plain");
  res.end(String(held.size));
};

let handler: (req: IncomingMessage, res: ServerResponse) => void;
if (kind === "http") {
  handler = (req, res) => {
    if (req.method === "GET" && req.url === "/held") return count(res);
    // Read the body and drop it, as a handler that has parsed it would.
    req.on("data", () => {});
    req.on("end", () => hold(res));
  };
} else if (kind === "express" || kind === "express-prototypes") {
  const app = express();
  app.get("/held", (_req, res) => count(res));
  // The body read as the relay reads it (express.raw), then dropped.
  app.post("/{*path}", express.raw({ type: () => true, limit: 64 * 1024 }), (req, res) => {
    req.body = undefined;
    hold(res);
  });
  handler = app;
} else {
  throw new Error(`holdServer: unknown kind ${kind} (http, express or express-prototypes)`);
}

/**
 * `express-prototypes`: Node creates each request and response with express's
 * prototypes already (the relay's own expressMessageClasses, through
 * createServer's IncomingMessage and ServerResponse options), so that
 * express's Object.setPrototypeOf on every call changes nothing.
 */
const server =
  kind === "express-prototypes"
    ? createServer(expressMessageClasses(handler as express.Express), handler)
    : createServer(handler);
server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on("disconnect", () => process.exit(0));
