import { describe, expect, it } from "vitest";
import { appForFile } from "../testing/appSuite.js";
import { send } from "../testing/TestDevice.js";

/** Issue 18, item 10: a link token percent-encoded in the path is neither looked up nor logged. */

const relay = appForFile({ config: { maxCallsPerAddressPerMinute: 100_000 } });

const hex = (char: string, upper: boolean) => {
  const code = char.charCodeAt(0).toString(16).padStart(2, "0");
  return `%${upper ? code.toUpperCase() : code}`;
};

describe("a percent-encoded link token in the path", () => {
  it("every encoding of every character of the token: refused (401) and never in the log", async () => {
    const { token } = relay;
    const spellings: string[] = [];
    for (let i = 0; i < token.length; i++) {
      for (const upper of [true, false]) {
        spellings.push(`${token.slice(0, i)}${hex(token[i] as string, upper)}${token.slice(i + 1)}`);
      }
    }
    spellings.push([...token].map((c) => hex(c, true)).join(""), [...token].map((c) => hex(c, false)).join(""));
    const unique = [...new Set(spellings)];
    for (const spelling of unique) {
      const answer = await send(`${relay.app.url}/api/v1/otp/${spelling}?wait=0`, { method: "POST" });
      expect(answer.status, spelling).toBe(401);
    }
    const logs = relay.app.logs.join("\n");
    const secret = token.slice(3);
    expect(logs).not.toContain(secret);
    for (const spelling of unique) expect(logs).not.toContain(spelling);
    // Nothing was created: no spelling reached the link.
    expect(
      (
        await relay.app.store.listPendingRequests(
          (await relay.app.store.listAccounts()).map((a) => a.id),
          Date.now(),
        )
      ).length,
    ).toBe(0);
    // The token itself still works.
    expect((await send(`${relay.app.url}/api/v1/otp/${token}?wait=0`, { method: "POST" })).status).toBe(408);
  });
});
