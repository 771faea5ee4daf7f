import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../testing/startTestApp.js";
import { send, TestDevice } from "../testing/TestDevice.js";
import { API_CONTENT_SECURITY_POLICY, securityHeaderList } from "./securityHeaders.js";

// A waiting CI call drops the API's constant headers for its wait (ciRoutes.ts,
// park) and must get every one of them back with its answer.
let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await startTestApp({ logLevel: "warn" });
  const phone = await TestDevice.pair(app.url, { setupCode: app.setupCode });
  const account = (await phone.call<{ id: string }>("POST", "/api/v1/accounts", { issuer: "npm", label: "h" })).body;
  token = (await phone.call<{ token: string }>("POST", `/api/v1/accounts/${account.id}/links`, { name: "h" })).body
    .token;
});
afterAll(() => app.close());

it("a CI call answered after its wait carries the same security and cache headers as any API answer", async () => {
  const health = await send(`${app.url}/api/v1/health`);
  const waited = await send<{ error: string; requestId?: string }>(`${app.url}/api/v1/otp/${token}?wait=1`, {
    method: "POST",
  });
  expect(waited.status).toBe(408);
  expect(waited.body.requestId).toBeTruthy();
  const names = [
    ...securityHeaderList(API_CONTENT_SECURITY_POLICY, false, "data").map(([name]) => name.toLowerCase()),
    "cache-control",
  ];
  const pick = (headers: Headers) => Object.fromEntries(names.map((name) => [name, headers.get(name)]));
  expect(pick(waited.headers)).toEqual(pick(health.headers));
  expect(waited.headers.get("cache-control")).toBe("no-store");
  expect(waited.headers.get("x-request-id")).toBeTruthy();
});
