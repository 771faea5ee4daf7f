import { deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../testing/startTestApp.js";
import { send, TestDevice } from "../testing/TestDevice.js";

// Found by the hostile-input fuzzer (bench/src/reliability/hostile.test.ts):
// a body declared as compressed that is not answered 500.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

it.each(["deflate", "gzip", "br"])("a corrupt %s body is a 400, not a 500", async (encoding) => {
  for (const path of ["/api/v1/health", "/api/v1/otp", "/api/v1/accounts"]) {
    const reply = await send(`${app.url}${path}`, {
      method: "POST",
      headers: { "content-encoding": encoding, "content-type": "application/json" },
      body: "definitely not compressed",
    });
    expect(reply.status, path).toBe(400);
    expect(reply.body).toMatchObject({ error: "bad_request" });
  }
  expect(app.logs.filter((line) => line.includes("unexpected error"))).toEqual([]);
});

it("a well-formed compressed body is still read", async () => {
  for (const compressed of [gzipSync("{}"), deflateSync("{}")]) {
    const reply = await send(`${app.url}/api/v1/otp`, {
      method: "POST",
      headers: {
        "content-encoding": compressed[0] === 0x1f ? "gzip" : "deflate",
        authorization: `Bearer cs_${"A".repeat(32)}`,
      },
      body: compressed,
    });
    expect(reply.status).toBe(401); // read, parsed, then refused for the unknown token
  }
});

it("a bad ?wait= on the link URL is a 400 that starts no request and notifies nobody", async () => {
  const phone = await TestDevice.pair(app.url, { setupCode: app.setupCode });
  const account = (await phone.call<{ id: string }>("POST", "/api/v1/accounts", { issuer: "npm", label: "w" })).body;
  const { token } = (await phone.call<{ token: string }>("POST", `/api/v1/accounts/${account.id}/links`, { name: "w" }))
    .body;
  for (const wait of ["abc", "-1", "1e3", "9999999"]) {
    const reply = await send(`${app.url}/api/v1/otp/${token}?wait=${wait}`);
    expect(reply.status, wait).toBe(400);
  }
  const pending = await phone.call<unknown[]>("GET", "/api/v1/approvals");
  expect(pending.body).toEqual([]);
  const history = await phone.call<unknown[]>("GET", `/api/v1/accounts/${account.id}/history`);
  expect(history.body).toEqual([]);
});
