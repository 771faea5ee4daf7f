import { fileURLToPath } from "node:url";
import type { Page } from "@playwright/test";
import { expect, pairPage, test, waitForServiceWorker } from "../fixtures.js";
import { requestOtp } from "../helpers/apiDevice.js";
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

      const ci = requestOtp(server.origin, token, {
        package: { name: "left-pad", version: "2.0.0" },
        context: {
          provider: "github",
          repository: "alice/left-pad",
          workflow: "release.yml",
          ref: "refs/heads/main",
          runUrl: "https://github.com/alice/left-pad/actions/runs/4242",
        },
        wait: 60,
      });
      await page.waitForURL(/\/approve\//);
      await shoot(page, `approve${suffix}`);
      await page.getByRole("button", { name: "Approve" }).click();
      await ci;
      await shoot(page, `approved${suffix}`);
    });
  });
}
