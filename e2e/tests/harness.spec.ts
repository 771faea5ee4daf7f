import { generateTotp } from "@countersign/shared";
import { expect, test } from "@playwright/test";
import { startRegistry } from "../harness/registry.js";
import { makePackage, npmEnv, runCommand } from "../helpers/npmPackage.js";

const seed = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1" as const, digits: 6, period: 30 };

test.describe("the local npm registry harness", () => {
  test("refuses npm publish without a one-time password, as the real registry does", async () => {
    const registry = await startRegistry(seed);
    try {
      const dir = makePackage(registry, "harness-no-otp", "1.0.0");
      const result = await runCommand("npm", ["publish", "--registry", registry.url], { cwd: dir, env: npmEnv(dir) });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/EOTP|one-time password/);
      expect(registry.published).toEqual([]);
    } finally {
      await registry.close();
    }
  });

  test("refuses a wrong code and accepts the right one", async () => {
    const registry = await startRegistry(seed);
    try {
      const dir = makePackage(registry, "@scope/harness-otp", "1.2.3");
      const wrong = await runCommand("npm", ["publish", "--registry", registry.url], {
        cwd: dir,
        env: { ...npmEnv(dir), NPM_CONFIG_OTP: "000000" },
      });
      expect(wrong.code).not.toBe(0);
      const otp = await generateTotp(seed);
      const right = await runCommand("npm", ["publish", "--registry", registry.url], {
        cwd: dir,
        env: { ...npmEnv(dir), NPM_CONFIG_OTP: otp },
      });
      expect(right.stderr).not.toMatch(/ERR!/);
      expect(right.code).toBe(0);
      expect(registry.published).toEqual([{ name: "@scope/harness-otp", version: "1.2.3", otp }]);
    } finally {
      await registry.close();
    }
  });
});
