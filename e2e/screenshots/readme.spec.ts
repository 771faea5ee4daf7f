import { fileURLToPath } from "node:url";
import type { Page } from "@playwright/test";
import { expect, pairPage, test, waitForServiceWorker } from "../fixtures.js";
import { requestOtp } from "../helpers/apiDevice.js";
import { npmPublish } from "../helpers/registryOperations.js";
import {
  addAccountByUri,
  codeButton,
  createLink,
  enableNotifications,
  openAccount,
  testAccount,
} from "../tests/app/support/app.js";

const OUT = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const npm = testAccount("npm", "alice", "JBSWY3DPEHPK3PXP");
const accounts = [
  npm,
  testAccount("RubyGems.org", "alice@example.com", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"),
  testAccount("PyPI", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
];

async function shoot(page: Page, name: string) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${OUT}${name}.png` });
}

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`${colorScheme} mode`, () => {
    test.use({ colorScheme });

    test(`screens (${colorScheme})`, async ({ page, server }) => {
      const suffix = colorScheme === "dark" ? "-dark" : "";
      await page.goto("/");
      await waitForServiceWorker(page);
      await page.goto(server.pairUrl);
      await shoot(page, `pair${suffix}`);
      await pairPage(page, server, "Alice's phone");
      for (const account of accounts) await addAccountByUri(page, account);
      await page.goto("/");
      // The code list, not the app still loading.
      for (const account of accounts) await expect(codeButton(page, account)).toContainText(/\d{3} \d{3}/);
      await shoot(page, `codes${suffix}`);

      await enableNotifications(page);
      await openAccount(page, npm);
      const { token } = await createLink(page, "release workflow");
      await shoot(page, `link${suffix}`);
      await page.getByRole("button", { name: "Done" }).click();

      // What `countersign exec` sends when the registry challenges a publish: the operation
      // it read from the request, and the offer to cover the rest of the run.
      const key = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
      const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", key.publicKey);
      const context = {
        provider: "github",
        repository: "alice/left-pad",
        workflow: "release.yml",
        ref: "refs/heads/main",
        runUrl: "https://github.com/alice/left-pad/actions/runs/4242",
      };
      const publish = npmPublish("left-pad", "2.0.0", {
        tag: "latest",
        tarball: { size: 48_213, integrity: `sha512-${"q3Lp8".repeat(17)}z==` },
      });
      const ci = requestOtp(server.origin, token, {
        context,
        operation: publish,
        challenge: { type: "otp" },
        run: { seconds: 900 },
        publicKey: { kty, crv, x, y },
        wait: 60,
      });
      await page.waitForURL(/\/approve\//);
      await shoot(page, `approve${suffix}`);
      await page.getByRole("button", { name: "Approve" }).click();
      await ci;
      await shoot(page, `approved${suffix}`);

      // A passkey account: the registry asks for its own page instead of a code.
      const approved = new URL(page.url()).pathname;
      const passkey = requestOtp(server.origin, token, {
        context,
        operation: { ...publish, package: { name: "left-pad", version: "2.0.1" } },
        challenge: { type: "web", authUrl: "https://www.npmjs.com/auth/cli/3f6c1d2e-8b1a-4e57-9d0c-5a7b2e9f4c11" },
        wait: 60,
      });
      await page.waitForURL((url) => url.pathname.startsWith("/approve/") && url.pathname !== approved);
      await shoot(page, `approve-passkey${suffix}`);
      await page.getByRole("button", { name: "Deny", exact: true }).click();
      await passkey;
    });
  });
}
