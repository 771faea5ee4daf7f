import type { AccountView, CreatedLink } from "@countersign/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../testing/startTestApp.js";
import { send, TestDevice } from "../testing/TestDevice.js";

/** Issue 18, item 10: a link token percent-encoded in the path is neither looked up nor logged. */

let app: TestApp;
let token: string;

beforeAll(async () => {
  app = await startTestApp({ config: { maxCallsPerAddressPerMinute: 100_000 } });
  const device = await TestDevice.pair(app.url, { setupCode: app.setupCode }, "Pixel");
  const account = (await device.call<AccountView>("POST", "/api/v1/accounts", { issuer: "npm", label: "alice" })).body;
  token = (await device.call<CreatedLink>("POST", `/api/v1/accounts/${account.id}/links`, { name: "CI" })).body.token;
});
afterAll(async () => {
  await app.close();
});

const hex = (char: string, upper: boolean) => {
  const code = char.charCodeAt(0).toString(16).padStart(2, "0");
  return `%${upper ? code.toUpperCase() : code}`;
};

describe("a percent-encoded link token in the path", () => {
  it("every encoding of every character of the token: refused (401) and never in the log", async () => {
    const spellings: string[] = [];
    for (let i = 0; i < token.length; i++) {
      for (const upper of [true, false]) {
        spellings.push(`${token.slice(0, i)}${hex(token[i] as string, upper)}${token.slice(i + 1)}`);
      }
    }
    spellings.push([...token].map((c) => hex(c, true)).join(""), [...token].map((c) => hex(c, false)).join(""));
    const unique = [...new Set(spellings)];
    for (const spelling of unique) {
      const answer = await send(`${app.url}/api/v1/otp/${spelling}?wait=0`, { method: "POST" });
      expect(answer.status, spelling).toBe(401);
    }
    const logs = app.logs.join("\n");
    const secret = token.slice(3);
    expect(logs).not.toContain(secret);
    for (const spelling of unique) expect(logs).not.toContain(spelling);
    // Nothing was created: no spelling reached the link.
    expect(
      (
        await app.store.listPendingRequests(
          (await app.store.listAccounts()).map((a) => a.id),
          Date.now(),
        )
      ).length,
    ).toBe(0);
    // The token itself still works.
    expect((await send(`${app.url}/api/v1/otp/${token}?wait=0`, { method: "POST" })).status).toBe(408);
  });
});
