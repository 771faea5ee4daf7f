#!/usr/bin/env node
// The phone of the Firebase smoke test, as its own process (so its calls reach other
// emulator workers than CI's waiting call). Commands, one JSON line each on stdout:
//   setup <functionUrl> <setupCode>   pairs, creates an account and a CI link: {"linkUrl", "device"}
//   answer <approve|deny>             answers the next pending approval: {"requestId"}
// The device key is kept in memory, so one process serves one run; commands come on stdin.
import { createInterface } from "node:readline";
import { generateDeviceKey, generateTimedCodes, signRequest } from "../../shared/dist/index.js";
import { TOTP } from "./smoke-totp.mjs";

let origin = "";
let deviceId = "";
let privateKey;

/** Calls the app through the function URL; the signed path is the app's own (/api/v1/…), as Hosting forwards it. */
async function call(method, path, body, pairing = false) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = await signRequest({ privateKey, ...(pairing ? {} : { deviceId }), method, path, body: text });
  const response = await fetch(origin + path, {
    method,
    headers: text === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: text,
  });
  const raw = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${raw}`);
  return raw ? JSON.parse(raw) : undefined;
}

async function setup(functionUrl, setupCode) {
  origin = functionUrl;
  const key = await generateDeviceKey();
  privateKey = key.privateKey;
  const paired = await call(
    "POST",
    "/api/v1/devices",
    { setupCode, name: "Smoke phone", publicKey: key.publicKeyJwk },
    true,
  );
  deviceId = paired.device?.id ?? paired.id;
  const account = await call("POST", "/api/v1/accounts", { issuer: "npm", label: "smoke" });
  const accountId = account.account?.id ?? account.id;
  const created = await call("POST", `/api/v1/accounts/${accountId}/links`, { name: "smoke CI" });
  return { linkUrl: created.url, device: deviceId };
}

async function answer(decision) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const listed = await call("GET", "/api/v1/approvals");
    const pending = (Array.isArray(listed) ? listed : listed.approvals).find((a) => a.status === "pending");
    if (pending) {
      const body = decision === "approve" ? { decision, codes: await generateTimedCodes(TOTP) } : { decision };
      await call("POST", `/api/v1/approvals/${pending.id}/answer`, body);
      return { requestId: pending.id };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("no approval arrived within 30 s");
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [command, ...args] = line.trim().split(/\s+/);
  try {
    const result = command === "setup" ? await setup(args[0], args[1]) : await answer(args[0]);
    process.stdout.write(`${JSON.stringify({ ok: true, ...result })}\n`);
  } catch (error) {
    process.stdout.write(
      `${JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) })}\n`,
    );
  }
}
