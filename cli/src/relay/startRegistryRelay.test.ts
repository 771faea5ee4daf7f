import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateTotp, type TotpParams } from "@countersign/shared";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalRegistry, startRegistry } from "../../../e2e/harness/registry.js";
import { collectOutput } from "../testing/runBin.js";
import { clientEnv } from "./clientEnv.js";
import { readNpmConfig } from "./readNpmConfig.js";
import {
  type ChallengedRequest,
  type RegistryRelay,
  type SecondFactor,
  type SecondFactorAnswer,
  startRegistryRelay,
} from "./startRegistryRelay.js";

/**
 * The relay with real npm in front and the e2e registry harness (which
 * checks one-time passwords as the registry does) behind, a second factor
 * that computes the code like the phone would. The phone's own side is
 * tested end to end in e2e/.
 */

const SEED: TotpParams = { secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", algorithm: "SHA1", digits: 6, period: 30 };
const NPM = fileURLToPath(new URL("../../../node_modules/npm11/bin/npm-cli.js", import.meta.url));

/** A second factor that computes the code on demand and records what it was asked. */
function computingFactor(answer?: (request: ChallengedRequest) => SecondFactorAnswer | undefined) {
  const asked: ChallengedRequest[] = [];
  const factor: SecondFactor = {
    async answer(request) {
      asked.push(request);
      return answer?.(request) ?? { kind: "otp", otp: await generateTotp(SEED, Date.now()) };
    },
    codeInHand: () => null,
  };
  return { factor, asked };
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>) {
  return collectOutput(spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })).done;
}

let registry: LocalRegistry | undefined;
let relay: RegistryRelay | undefined;
let dir: string | undefined;

afterEach(async () => {
  await relay?.close();
  await registry?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  relay = registry = dir = undefined;
});

async function setUp(factor: SecondFactor) {
  registry = await startRegistry(SEED);
  dir = await mkdtemp(join(tmpdir(), "countersign-relay-test-"));
  // The user's own config: the registry and its token, as setup-node writes it.
  await writeFile(join(dir, ".npmrc"), registry.npmrc());
  const config = readNpmConfig({ cwd: dir, env: { npm_config_userconfig: join(dir, "no-user-npmrc") }, home: dir });
  relay = await startRegistryRelay({
    upstreams: {
      registry: { url: new URL(config.registry), credential: config.credentialFor(config.registry) },
      scopes: {},
    },
    secondFactor: factor,
  });
  return { dir, registry, relay };
}

function npmEnv(cwd: string, relayed: RegistryRelay): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: cwd,
    npm_config_userconfig: join(cwd, "no-user-npmrc"),
    npm_config_cache: join(cwd, ".npm-cache"),
    npm_config_update_notifier: "false",
    npm_config_audit: "false",
    npm_config_fund: "false",
    ...clientEnv(relayed.registries, relayed.secret),
  };
}

describe("the registry relay", () => {
  it("answers the registry's OTP challenge for npm publish and npm never sees it", async () => {
    const { factor, asked } = computingFactor();
    const { dir, registry, relay } = await setUp(factor);
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "@acme/rocket", version: "1.4.0" }));
    await writeFile(join(dir, "index.js"), "module.exports = 1;\n");

    const result = await run(process.execPath, [NPM, "publish", "--tag", "next"], dir, npmEnv(dir, relay));

    expect(result.exitCode, result.stderr).toBe(0);
    expect(registry.published).toEqual([expect.objectContaining({ name: "@acme/rocket", version: "1.4.0" })]);
    expect(asked).toHaveLength(1);
    const tarball = await readFile(join(dir, "acme-rocket-1.4.0.tgz")).catch(() => null);
    expect(asked[0]?.operation).toMatchObject({
      action: "publish",
      method: "PUT",
      path: "/@acme/rocket",
      package: { name: "@acme/rocket", version: "1.4.0" },
      tag: "next",
      registry: new URL(registry.url).host,
    });
    expect(asked[0]?.operation.tarball?.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    if (tarball) {
      expect(asked[0]?.operation.tarball?.integrity).toBe(
        `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
      );
    }
    expect(result.stderr).not.toContain("one-time password");
  });

  it("passes a refusal to the client as the registry's answer and publishes nothing", async () => {
    const { factor } = computingFactor(() => ({ kind: "refused", status: 403, message: "Countersign: denied" }));
    const { dir, registry, relay } = await setUp(factor);
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "rocket", version: "1.0.0" }));

    const result = await run(process.execPath, [NPM, "publish"], dir, npmEnv(dir, relay));

    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("Countersign: denied");
    expect(registry.published).toEqual([]);
  });

  it("refuses requests without the run's secret or outside its path prefix", async () => {
    const { factor, asked } = computingFactor();
    const { relay } = await setUp(factor);
    const relayUrl = new URL(relay.registries.registry);
    const status = (path: string, authorization?: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          { host: relayUrl.hostname, port: relayUrl.port, path, headers: authorization ? { authorization } : {} },
          (response: IncomingMessage) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on("error", reject);
        request.end();
      });

    expect(await status(`${relayUrl.pathname}rocket`)).toBe(401);
    expect(await status(`${relayUrl.pathname}rocket`, "Bearer csrun_wrong")).toBe(401);
    expect(await status("/0/rocket", `Bearer ${relay.secret}`)).toBe(404);
    expect(await status(`/${"A".repeat(22)}/0/rocket`, `Bearer ${relay.secret}`)).toBe(404);
    expect(await status(`${relayUrl.pathname}rocket`, `Bearer ${relay.secret}`)).toBe(404);
    expect(asked).toEqual([]);
  });

  it("sends the registry token only to the registry and follows no redirect", async () => {
    const seen: { path: string; authorization?: string }[] = [];
    const other = createServer((request, response) => {
      seen.push({ path: request.url ?? "", authorization: request.headers.authorization });
      response.writeHead(200).end("{}");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const upstream = createServer((request, response) => {
      seen.push({ path: request.url ?? "", authorization: request.headers.authorization });
      response.writeHead(302, { location: `${otherUrl}/steal` }).end();
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    try {
      relay = await startRegistryRelay({
        upstreams: {
          registry: {
            url: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`),
            credential: { kind: "bearer", token: "npm_realtoken" },
          },
          scopes: {},
        },
        secondFactor: computingFactor().factor,
      });
      const response = await fetch(`${relay.registries.registry}rocket`, {
        headers: { authorization: `Bearer ${relay.secret}` },
        redirect: "manual",
      });
      expect(response.status).toBe(302);
      expect(seen).toEqual([{ path: "/rocket", authorization: "Bearer npm_realtoken" }]);
    } finally {
      await new Promise((resolve) => upstream.close(resolve));
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
