import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Deps } from "../deps.js";
import { createApp } from "./createApp.js";

export interface LocalRelay {
  /** `http://127.0.0.1:<port>`, also set as `deps.config.publicUrl`. */
  url: string;
  server: Server;
  /** Aborts waiting CI calls (as a shutdown does). */
  shutdown: AbortController;
  /** Ends waiting calls, drops every connection and stops listening; the store stays open. */
  close(): Promise<void>;
}

/**
 * The API (createApp over `deps`) on 127.0.0.1 at a free port, in this
 * process: what the HTTP tests and the in-process benchmarks run against.
 */
export async function listenLocal(deps: Deps): Promise<LocalRelay> {
  const shutdown = new AbortController();
  const app = createApp(deps, { shutdown: shutdown.signal });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  deps.config.publicUrl = url;
  return {
    url,
    server,
    shutdown,
    async close() {
      shutdown.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
