/**
 * A registry stand-in that accepts every publish and remembers what reached
 * it: for proving where a client sends its requests and with which token.
 * Unlike the 2FA registry harness it records the authorization header
 * itself — the tokens it sees are test values, and what they are is the point.
 */
import { sendJson, startHttpServer } from "../../cli/src/testing/startHttpServer.js";

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
  const server = await startHttpServer((request, response) => {
    requests.push({
      method: request.method,
      path: request.url.split("?")[0] ?? "/",
      authorization: request.headers.authorization ?? null,
      userAgent: request.headers["user-agent"] ?? null,
    });
    if (request.method === "PUT") sendJson(response, 200, { success: true });
    else sendJson(response, 404, { error: "Not found" });
  });
  return { origin: server.origin, requests, close: server.close };
}
