import { createECDH, randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { verifyDeviceSignature } from "@countersign/functions/dist/domain/deviceSignature.js";
import { generateDeviceKey, type P256PublicJwk, SIGNATURE_HEADERS, signRequest } from "@countersign/shared";
import webpush from "web-push";
import { cpuMeter, cpuPerCall } from "../lib/cpu.js";
import { runFor } from "../lib/scenario.js";
import { startHelloProcess } from "./roundTrips.js";

/** CPU per operation, µs: the parts of a round trip no relay can leave out, next to one "hello". */
export interface FloorResults {
  /** The express "hello" process answering one request (one inbound HTTP exchange at its cheapest). */
  helloServerUs: number;
  /** Sending one request and reading its answer with node:http over a kept-alive connection (the push to the push service). */
  httpClientUs: number;
  /** Encrypting one approval notification (aes128gcm: an ephemeral P-256 key, ECDH, HKDF, AES-GCM), as the relay does. */
  pushEncryptUs: number;
  /** Checking one device signature (ECDSA P-256, SHA-256), as the relay does. */
  signatureCheckUs: number;
  /** Two inbound exchanges + the outbound one + encryption + signature check. */
  floorUs: number;
}

/**
 * The floor of a round trip on this machine: what the protocol itself costs
 * the relay's CPU (two HTTP requests in — CI's and the phone's —, one out to
 * the push service, the push encryption and the signature check), each
 * measured alone, with storage, logic and the load generator left out.
 * "hello" ÷ floor is the best round trips ÷ hello any relay could reach here.
 */
export async function benchFloor(options: { durationMs: number; concurrency: number }): Promise<FloorResults> {
  const hello = await startHelloProcess();
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(hello.url, { agent }, (res) => {
        res.resume();
        res.on("end", resolve);
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  try {
    await runFor(500, options.concurrency, get);
    const server = cpuMeter(hello.pid);
    const client = cpuMeter(null);
    const run = await runFor(options.durationMs, options.concurrency, get);
    const helloServerUs = server.stop(run.results.length, run.wallMs).perOperationUs;
    const httpClientUs = client.stop(run.results.length, run.wallMs).perOperationUs;

    const phone = createECDH("prime256v1");
    phone.generateKeys();
    const subscription = {
      endpoint: "https://push.example.net/x",
      keys: { p256dh: phone.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") },
    };
    const payload = JSON.stringify({
      v: 1,
      type: "approval",
      requestId: "r".repeat(22),
      title: "npm publish @scope/package@1.2.3",
      body: "From GitHub Actions: owner/repo, release workflow on refs/tags/v1.2.3 — approve to send the code.",
    });
    const pushEncryptUs = cpuPerCall(2000, () => {
      webpush.generateRequestDetails(subscription, payload, {
        TTL: 300,
        urgency: "high",
        contentEncoding: "aes128gcm",
      });
    });

    const key = await generateDeviceKey();
    const body = JSON.stringify({ decision: "approve", codes: [{ otp: "123456", notBefore: 0, notAfter: 30_000 }] });
    const path = "/api/v1/approvals/r/answer";
    const headers = await signRequest({ privateKey: key.privateKey, deviceId: "d", method: "POST", path, body });
    const parts = {
      method: "POST",
      path,
      timestamp: headers[SIGNATURE_HEADERS.timestamp] ?? "",
      nonce: headers[SIGNATURE_HEADERS.nonce] ?? "",
      body: new TextEncoder().encode(body),
    };
    const signature = headers[SIGNATURE_HEADERS.signature] ?? "";
    const signatureCheckUs = cpuPerCall(2000, () => {
      if (!verifyDeviceSignature(key.publicKeyJwk as P256PublicJwk, parts, signature)) throw new Error("bad signature");
    });
    return {
      helloServerUs,
      httpClientUs,
      pushEncryptUs,
      signatureCheckUs,
      floorUs: 2 * helloServerUs + httpClientUs + pushEncryptUs + signatureCheckUs,
    };
  } finally {
    agent.destroy();
    await hello.close();
  }
}
