import type { AccountView, CreatedLink } from "@countersign/shared";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../testing/startTestApp.js";
import { send, TestDevice } from "../testing/TestDevice.js";

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

function linesWith(requestId: string): Record<string, unknown>[] {
  return app.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((e) => e.httpRequestId === requestId);
}

describe("request ids", () => {
  it("every HTTP request gets one, returned as X-Request-Id and in each of its log lines", async () => {
    app = await startTestApp({ config: { maxWaitSeconds: 1 } });
    const device = await TestDevice.pair(app.url, { setupCode: app.setupCode });
    const account = (await device.call<AccountView>("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" }))
      .body;
    const { token } = (await device.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, { name: "CI" }))
      .body;

    const ci = await send(`${app.url}/api/v1/otp`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ wait: 1 }),
    });
    const id = ci.headers.get("x-request-id") ?? "";
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // The domain's line about the request (written after the body was read) and the access line.
    expect(linesWith(id).map((entry) => entry.msg)).toEqual(["request created", "http"]);

    const other = await send(`${app.url}/api/v1/health`);
    expect(other.headers.get("x-request-id")).not.toBe(id);
  });

  it("keeps the id a proxy in front gave the request, and replaces one that is not an id", async () => {
    app = await startTestApp();
    const kept = await send(`${app.url}/api/v1/health`, { headers: { "x-request-id": "caddy-7d3f0c1e-42" } });
    expect(kept.headers.get("x-request-id")).toBe("caddy-7d3f0c1e-42");
    expect(linesWith("caddy-7d3f0c1e-42").map((entry) => entry.msg)).toEqual(["http"]);
    const replaced = await send(`${app.url}/api/v1/health`, { headers: { "x-request-id": 'x", "level": "error' } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
