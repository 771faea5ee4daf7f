/**
 * A registry stand-in that accepts every publish and remembers what reached
 * it: for proving where a client sends its requests and with which token.
 * Unlike the 2FA registry harness it records the authorization header
 * itself — the tokens it sees are test values, and what they are is the point.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  /** The path as sent, without the query. */
  path: string;
  authorization: string | null;
  userAgent: string | null;
}

export interface RecordingRegistry {
  /** `http://127.0.0.1:<port>` (no trailing slash): append any path prefix. */
  origin: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startRecordingRegistry(): Promise<RecordingRegistry> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer(async (request, response) => {
    requests.push({
      method: request.method ?? "",
      path: (request.url ?? "/").split("?")[0] ?? "/",
      authorization: request.headers.authorization ?? null,
      userAgent: request.headers["user-agent"] ?? null,
    });
    for await (const _ of request) {
      // drain the body
    }
    response.setHeader("content-type", "application/json");
    if (request.method === "PUT") {
      response.writeHead(200);
      return response.end(JSON.stringify({ success: true }));
    }
    response.writeHead(404);
    response.end(JSON.stringify({ error: "Not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
