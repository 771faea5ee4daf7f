import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateTimedCodes, type TotpParams } from "@countersign/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PairedPhone, startPairedPhone } from "../testing/pairedPhone.js";
import { runBin, startBin } from "../testing/runBin.js";

/**
 * The built CLI (`node cli/dist/bin.js`) against the real relay server
 * (`node functions/dist/standalone/main.js`) on a temp data dir, with a test
 * device answering through the signed device API. No HTTP mocks.
 */

const TOTP: TotpParams = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 };

const GITHUB_ENV = {
  GITHUB_ACTIONS: "true",
  CI: "true",
  GITHUB_REPOSITORY: "acme/rocket",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_RUN_ID: "987654321",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
  GITHUB_REF: "refs/tags/v1.4.0",
  GITHUB_WORKFLOW: "Release",
  GITHUB_WORKFLOW_REF: "acme/rocket/.github/workflows/release.yml@refs/tags/v1.4.0",
  GITHUB_ACTOR: "wile",
  GITHUB_EVENT_NAME: "push",
  GITHUB_JOB: "publish",
};

async function validCodes(): Promise<string[]> {
  const now = Date.now();
  const codes = [...(await generateTimedCodes(TOTP, now - 30_000, 3))];
  return codes.map((code) => code.otp);
}

describe("countersign against the real relay", () => {
  let phone: PairedPhone;
  let relay: PairedPhone["relay"];
  let push: PairedPhone["push"];
  let device: PairedPhone["device"];
  let workDir: string;

  /** A fresh link per test: each has its own pending-request limit and can be revoked alone. */
  const newLink = () => phone.newLink();

  beforeAll(async () => {
    phone = await startPairedPhone("wile");
    ({ relay, push, device } = phone);
    workDir = await mkdtemp(join(tmpdir(), "countersign-cli-pkg-"));
    await writeFile(join(workDir, "package.json"), JSON.stringify({ name: "@acme/rocket", version: "1.4.0" }));
  }, 30_000);

  afterAll(async () => {
    await phone?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("prints the code alone on stdout once the phone approves, decrypting the JWE answer", async () => {
    const { url, token } = await newLink();
    const run = startBin(["otp", "--verbose"], { ...GITHUB_ENV, COUNTERSIGN_URL: url }, workDir);
    const approval = await device.nextApproval();

    expect(approval.package).toEqual({ name: "@acme/rocket", version: "1.4.0" });
    expect(approval.claimed).toMatchObject({
      provider: "github-actions",
      repository: "acme/rocket",
      runUrl: "https://github.com/acme/rocket/actions/runs/987654321/attempts/1",
      ref: "refs/tags/v1.4.0",
      workflow: "Release (.github/workflows/release.yml)",
    });
    expect(approval.publicKey).toMatchObject({ kty: "EC", crv: "P-256" });
    await device.approve(approval, TOTP);

    const result = await run.done;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\d{6}\n$/);
    expect(await validCodes()).toContain(result.stdout.trim());
    expect(result.stderr).toContain("Approved on Test phone (end-to-end encrypted)");
    expect(result.stderr).toContain("[debug] → POST");
    for (const output of [result.stdout, result.stderr, relay.logs()]) {
      expect(output).not.toContain(token);
      expect(output).not.toContain(token.slice(3));
    }
  });

  it("prints a JSON object with --json", async () => {
    const { url } = await newLink();
    const run = startBin(["otp", "--json", "--package", "left-pad@2.0.0"], { COUNTERSIGN_URL: url }, workDir);
    const approval = await device.nextApproval();
    expect(approval.package).toEqual({ name: "left-pad", version: "2.0.0" });
    await device.approve(approval, TOTP);
    const result = await run.done;
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ requestId: approval.id, encrypted: true, approvedBy: "Test phone" });
    expect(await validCodes()).toContain(json.otp);
  });

  it("exec runs the command with the code in its environment and exits with its status", async () => {
    const { url, token } = await newLink();
    const script = [
      "const e = process.env;",
      "console.log(JSON.stringify({ npm: e.NPM_CONFIG_OTP, gem: e.GEM_HOST_OTP_CODE, cs: e.COUNTERSIGN_OTP, server: e.COUNTERSIGN_SERVER, token: e.COUNTERSIGN_TOKEN ?? null }));",
      "process.exit(7);",
    ].join(" ");
    const server = new URL(url).origin;
    const run = startBin(["exec", "--", process.execPath, "-e", script], {
      COUNTERSIGN_SERVER: server,
      COUNTERSIGN_TOKEN: token,
    });
    await device.approve(await device.nextApproval(), TOTP);
    const result = await run.done;
    expect(result.exitCode).toBe(7);
    const seen = JSON.parse(result.stdout);
    expect(await validCodes()).toContain(seen.npm);
    expect(seen).toEqual({ npm: seen.npm, gem: seen.npm, cs: seen.npm, server, token: null });
    expect(result.stderr).not.toContain(token);
  });

  describe("what the command can see of the link", () => {
    /** The command: its own environment, and its parent's (countersign's) initial one, as any same-user process can read it. */
    const script = [
      "const fs = require('fs');",
      "const parent = fs.readFileSync('/proc/' + process.ppid + '/environ', 'utf8');",
      "console.log(JSON.stringify({ own: Object.keys(process.env).filter((k) => k.startsWith('COUNTERSIGN_') && k !== 'COUNTERSIGN_OTP'), parentHasToken: parent.includes(process.argv[1]) }));",
    ].join(" ");

    it("with COUNTERSIGN_URL: not in the command's environment, but in countersign's, which the same user can read", async () => {
      const { url, token } = await newLink();
      const run = startBin(["exec", "--", process.execPath, "-e", script, token], {
        COUNTERSIGN_URL: url,
        COUNTERSIGN_ID_TOKEN: "eyJ.not-a-real.token",
      });
      await device.approve(await device.nextApproval(), TOTP);
      const result = await run.done;
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ own: [], parentHasToken: true });
    });

    it("with --url-file - (standard input): in no environment at all", async () => {
      const { url, token } = await newLink();
      const run = startBin(
        ["exec", "--url-file", "-", "--", process.execPath, "-e", script, token],
        {},
        undefined,
        `${url}\n`,
      );
      await device.approve(await device.nextApproval(), TOTP);
      const result = await run.done;
      expect(result.exitCode, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ own: [], parentHasToken: false });
    });
  });

  it("exec passes SIGTERM on to the command and exits with the command's status", async () => {
    const { url } = await newLink();
    const script = "process.on('SIGTERM', () => process.exit(42)); console.log('ready'); setInterval(() => {}, 1000);";
    const run = startBin(["exec", process.execPath, "-e", script], { COUNTERSIGN_URL: url });
    await device.approve(await device.nextApproval(), TOTP);
    await expect.poll(run.stdout, { timeout: 10_000 }).toContain("ready");
    run.kill("SIGTERM");
    const result = await run.done;
    expect(result.exitCode).toBe(42);
  });

  it("exits 3 when the phone denies, with GitLab context on the approval", async () => {
    const { url } = await newLink();
    const run = startBin(["otp"], {
      GITLAB_CI: "true",
      CI_PROJECT_PATH: "group/rocket",
      CI_JOB_URL: "https://gitlab.com/group/rocket/-/jobs/42",
      CI_COMMIT_SHA: "abcdef0123456789abcdef0123456789abcdef01",
      CI_COMMIT_REF_NAME: "main",
      COUNTERSIGN_URL: url,
    });
    const approval = await device.nextApproval();
    expect(approval.claimed).toMatchObject({
      provider: "gitlab-ci",
      repository: "group/rocket",
      runUrl: "https://gitlab.com/group/rocket/-/jobs/42",
    });
    await device.deny(approval.id);
    const result = await run.done;
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/denied/i);
  });

  it("exits 3 for a paused link and says how to resume it", async () => {
    const { url, link } = await newLink();
    await device.call("PATCH", `/api/v1/links/${link.id}`, { paused: true });
    const result = await runBin(["otp"], { COUNTERSIGN_URL: url });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/paused/i);
  });

  it("exits 4 when nobody answers within --wait", async () => {
    const { url } = await newLink();
    const result = await runBin(["otp", "--wait", "2"], { COUNTERSIGN_URL: url });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("No answer from your phone within 2 s");
    const [left] = await device.pendingApprovals();
    if (left) await device.deny(left.id);
  });

  it("exits 5 for a revoked or unknown link and 2 for a malformed one, naming no token", async () => {
    const { url, token, link } = await newLink();
    await device.revokeLink(link.id);
    const revoked = await runBin(["otp", "--verbose"], { COUNTERSIGN_URL: url });
    expect(revoked.exitCode).toBe(5);
    expect(revoked.stderr).toMatch(/revoked/);
    expect(`${revoked.stdout}${revoked.stderr}`).not.toContain(token);

    const unknownToken = `cs_${"A".repeat(32)}`;
    const unknown = await runBin(["otp", "--json"], { COUNTERSIGN_URL: `${relay.origin}/api/v1/otp/${unknownToken}` });
    expect(unknown.exitCode).toBe(5);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: "unauthorized", exitCode: 5 });
    expect(`${unknown.stdout}${unknown.stderr}`).not.toContain(unknownToken);

    const malformed = await runBin(["otp"], { COUNTERSIGN_URL: `${relay.origin}/api/v1/otp/cs_truncated` });
    expect(malformed.exitCode).toBe(2);
    expect(malformed.stderr).toContain("malformed");

    const wrongPath = await runBin(["otp"], { COUNTERSIGN_URL: `${relay.origin}/otp/${unknownToken}` });
    expect(wrongPath.exitCode).toBe(2);
  });

  it("survives a server crash while waiting: same request, one notification, code delivered", async () => {
    const { url, token } = await newLink();
    const pushesBefore = push.count();
    const run = startBin(["otp", "--wait", "60", "--verbose"], { COUNTERSIGN_URL: url }, workDir);
    const approval = await device.nextApproval();
    await expect.poll(() => push.count(), { timeout: 5000 }).toBe(pushesBefore + 1);

    await relay.crash();
    // While the server is down the CLI keeps trying (connection refused), then rejoins.
    await expect.poll(run.stderr, { timeout: 10_000 }).toContain("ECONNREFUSED");
    await relay.restart();

    // The CLI rejoins its request; the phone still sees exactly that one.
    await expect
      .poll(async () => (await device.pendingApprovals()).map((a) => a.id), { timeout: 10_000 })
      .toEqual([approval.id]);
    await device.approve(approval, TOTP);
    const result = await run.done;
    expect(result.exitCode).toBe(0);
    expect(await validCodes()).toContain(result.stdout.trim());
    expect(push.count()).toBe(pushesBefore + 1);
    expect(`${result.stdout}${result.stderr}`).not.toContain(token);
  }, 60_000);
});

describe("countersign against a relay that holds calls for 1 s", () => {
  it("resumes by request id across 408s and a crash, with one notification", async () => {
    const { relay, push, device, newLink, close } = await startPairedPhone(
      "wile",
      { COUNTERSIGN_MAX_WAIT: "1" },
      "RubyGems",
    );
    try {
      const { url, token } = await newLink();

      const run = startBin(
        [
          "exec",
          "--verbose",
          "--package",
          "rocket@1.4.0",
          "--",
          process.execPath,
          "-e",
          "console.log(process.env.GEM_HOST_OTP_CODE)",
        ],
        {
          COUNTERSIGN_URL: url,
        },
      );
      const approval = await device.nextApproval();
      await expect
        .poll(run.stderr, { timeout: 10_000 })
        .toContain(`GET ${relay.origin}/api/v1/requests/${approval.id}?wait=`);
      await relay.crash();
      await expect.poll(run.stderr, { timeout: 10_000 }).toContain("ECONNREFUSED");
      await relay.restart();
      await device.approve(approval, TOTP);

      const result = await run.done;
      expect(result.exitCode).toBe(0);
      expect(await validCodes()).toContain(result.stdout.trim());
      expect(result.stderr).toContain("408");
      expect(result.stderr.match(/→ POST/g)).toHaveLength(1);
      expect(push.count()).toBe(1);
      expect(`${result.stdout}${result.stderr}${relay.logs()}`).not.toContain(token);
    } finally {
      await close();
    }
  }, 60_000);
});
