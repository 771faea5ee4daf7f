import { createECDH, randomBytes } from "node:crypto";
import { startHttpServer } from "./startHttpServer.js";

/**
 * A push service on loopback that accepts every message (201) and counts
 * them, with a subscription whose keys are real P-256 / auth values so the
 * relay can encrypt to it. Only how many messages arrive matters here.
 */
export async function startPushSink() {
  const server = await startHttpServer((_request, response) => {
    response.writeHead(201);
    response.end();
  });
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const subscription = {
    endpoint: `${server.origin}/push/${randomBytes(8).toString("hex")}`,
    expirationTime: null,
    keys: {
      p256dh: ecdh.getPublicKey().toString("base64url"),
      auth: randomBytes(16).toString("base64url"),
    },
  };
  return {
    /** `host:port` for COUNTERSIGN_PUSH_ALLOW. */
    host: new URL(server.origin).host,
    subscription,
    count: () => server.requests.filter((request) => request.method === "POST").length,
    close: server.close,
  };
}
