import { type ApprovalView, describeRequest } from "@countersign/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { approvalView } from "../../../e2e/helpers/approvalView.js";
import { approvalPayload } from "../domain/approvals.js";
import { appForFile } from "../testing/appSuite.js";
import { send } from "../testing/TestDevice.js";

/**
 * Issue 18, item 7: what the approver reads cannot be forged with look-alike,
 * invisible or bidi characters, padding, or a run link whose host is not
 * what it seems; and the notification says what is only claimed by CI.
 */

const relay = appForFile({
  config: { maxPendingPerLink: 1000, maxRequestsPerLinkPerHour: 100_000, maxCallsPerAddressPerMinute: 100_000 },
});
let otherToken: string;

beforeAll(async () => {
  otherToken = (await relay.device.addAccountWithLink("CI", "PyPI")).token;
});

const ci = (token: string, body: unknown) =>
  send<{ error?: string; message?: string }>(`${relay.app.url}/api/v1/otp?wait=0`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const HOSTILE = {
  "bidi override": "\u202Eevil",
  "bidi isolate": "a\u2066b\u2069",
  "zero-width space": "acme\u200B/rocket",
  "zero-width joiner": "ac\u200Dme",
  "byte order mark": "ac\uFEFFme",
  "soft hyphen": "ac\u00ADme",
  "control character": "acme\u0007",
  "escape sequence": "\u001b[2Jacme",
  newline: "acme\nrocket",
  "line separator": "acme\u2028rocket",
  "no-break space": "acme\u00A0rocket",
  "ideographic space": "acme\u3000rocket",
  "hangul filler": "acme\u3164",
  padding: `acme${" ".repeat(40)}rocket`,
  "private use": "acme\uE000",
};

describe("hostile text in what CI claims", () => {
  it("is refused (400) in every shown field, and nobody is asked", async () => {
    for (const [what, value] of Object.entries(HOSTILE)) {
      for (const body of [
        { package: { name: value } },
        { package: { name: "foo", version: value } },
        { context: { repository: value } },
        { context: { workflow: value } },
        { context: { ref: value } },
        { context: { job: value } },
        { context: { actor: value } },
        { context: { environment: value } },
      ]) {
        const refused = await ci(otherToken, body);
        expect(refused.status, `${what} in ${JSON.stringify(body)}`).toBe(400);
      }
    }
    expect((await relay.device.call<ApprovalView[]>("GET", "/api/v1/approvals")).body).toEqual([]);
  });

  it("refuses look-alike letters where a look-alike deceives: repository, ref, actor", async () => {
    for (const context of [
      { repository: "аcme/rocket" }, // Cyrillic а
      { repository: "acme/rоcket" }, // Cyrillic о
      { ref: "refs/tags/v1.2.3\u0430" },
      { actor: "аlice" },
      { sha: "not-a-sha" },
      { repository: "acme" },
    ]) {
      expect((await ci(otherToken, { context })).status, JSON.stringify(context)).toBe(400);
    }
  });

  it("refuses a run link with user info: https://github.com@evil.example/ is not GitHub", async () => {
    for (const runUrl of [
      "https://github.com@evil.example/acme/rocket/actions/runs/1",
      "https://user:pw@github.com/x",
    ]) {
      const refused = await ci(otherToken, { context: { runUrl } });
      expect(refused.status, runUrl).toBe(400);
      expect(refused.body.message).toMatch(/without user info/);
    }
  });

  it("on an npm account, refuses a package that is not a valid npm name and semver version", async () => {
    for (const pkg of [
      { name: "Foo" },
      { name: "fоo" }, // Cyrillic о
      { name: "foo bar" },
      { name: "a".repeat(215) },
      { name: "foo", version: "latest" },
      { name: "foo", version: "v1.2.3" },
      { name: "foo", version: "1.2" },
    ]) {
      const refused = await ci(relay.token, { package: pkg });
      expect(refused.status, JSON.stringify(pkg)).toBe(400);
    }
    expect((await ci(relay.token, { package: { name: "@acme/rocket", version: "1.2.3-rc.1" } })).status).toBe(408);
    // Another registry's names follow other rules: only deceptive characters are refused there.
    expect((await ci(otherToken, { package: { name: "Rocket_Lib", version: "2024.1" } })).status).toBe(408);
  });
});

describe("the notification", () => {
  /** What the notification is made from: a request claimed by acme/rocket through the link "CI". */
  const view = (overrides: Partial<ApprovalView> = {}) =>
    approvalView({ link: { id: "l1", name: "CI" }, claimed: { repository: "acme/rocket" }, ...overrides });

  it("keeps the repository in sight however long the package name, and says claimed by CI", () => {
    const padded = view({ package: { name: `foo-${"x".repeat(200)}`, version: "1.2.3" } });
    const title = describeRequest(padded);
    expect(title.length).toBeLessThan(100);
    expect(title).toMatch(/ from acme\/rocket\?$/);
    const payload = approvalPayload(padded);
    expect(payload).toMatchObject({ body: 'npm: alice · CI link "CI" · claimed by CI', unverified: true });
  });

  it("says verified by OIDC, and allows one-tap, when the request is verified", () => {
    const payload = approvalPayload(view({ verified: { repository: "acme/rocket" } }));
    expect(payload).toMatchObject({ body: 'npm: alice · CI link "CI" · verified by OIDC' });
    expect(payload).not.toHaveProperty("unverified");
  });
});
