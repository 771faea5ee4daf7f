import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { SIGNATURE_HEADERS, verifyRequestSignature } from "@countersign/shared";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  signatureValid: boolean;
}

type Handler = (request: ReceivedRequest) => { status: number; body?: unknown };

/**
 * A real HTTP server for unit tests that checks each request's device
 * signature against `publicKey()` the way the relay does, and records it.
 */
export async function startSignedServer(publicKey: () => JsonWebKey | undefined, handler: Handler) {
  const received: ReceivedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const key = publicKey();
    const header = (name: string) => String(req.headers[name] ?? "");
    const signatureValid =
      !!key &&
      (await verifyRequestSignature(
        key,
        {
          method: req.method ?? "",
          path: req.url ?? "",
          timestamp: header(SIGNATURE_HEADERS.timestamp),
          nonce: header(SIGNATURE_HEADERS.nonce),
          body,
        },
        header(SIGNATURE_HEADERS.signature),
      ));
    const request = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, signatureValid };
    received.push(request);
    const answer = signatureValid
      ? handler(request)
      : { status: 401, body: { error: "unauthorized", message: "Bad signature." } };
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
