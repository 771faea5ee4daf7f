import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { helpText } from "./args/helpText.js";
import {
  type CommandOptions,
  MAX_RUN_SECONDS,
  parseCliArgs,
  parseRunSeconds,
  parseWaitSeconds,
} from "./args/parseCliArgs.js";
import { createEphemeralKey } from "./codes/createEphemeralKey.js";
import { type CiContext, detectCiContext, type Env } from "./context/detectCiContext.js";
import { fetchOidcToken } from "./context/fetchOidcToken.js";
import { type PackageInfo, parsePackageSpec, readPackageJson } from "./context/readPackageInfo.js";
import { chooseExecMode } from "./exec/chooseExecMode.js";
import { runCommand, runWithCode, withoutLink, withoutNames } from "./exec/runWithCode.js";
import { EXIT_CODES, type Failure, failure } from "./failure.js";
import { type Link, resolveLink } from "./link/resolveLink.js";
import { createRedactor } from "./output/createRedactor.js";
import { createReporter, type Reporter } from "./output/createReporter.js";
import { clientEnv } from "./relay/clientEnv.js";
import { createPhoneSecondFactor } from "./relay/createPhoneSecondFactor.js";
import { readNpmConfig } from "./relay/readNpmConfig.js";
import { writeRelayUserconfig } from "./relay/relayUserconfig.js";
import { startRegistryRelay, type Upstream } from "./relay/startRegistryRelay.js";
import { type DeliveredCode, requestOtp } from "./request/requestOtp.js";
import { cliVersion } from "./version.js";

export interface CliIo {
  env: Env;
  /** Read for `--url-file -`. */
  stdin?: NodeJS.ReadableStream;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  fetch?: typeof fetch;
  /** Sees each code before the command gets it (the GitHub Action masks it in the job's log). */
  onCode?: (otp: string) => void;
}

const DEFAULT_WAIT_SECONDS = 300;
/** GitHub's ID tokens live about five minutes; a repeated POST after a minute asks for a new one. */
const OIDC_REFRESH_AFTER_MS = 60_000;

/** Runs one `countersign …` invocation and resolves with the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) return reportFailure(parsed.failure, io, argv.includes("--json"), (text) => text);
  const command = parsed.value;
  if (command.command === "help") {
    io.stdout.write(`${helpText(command.topic)}\n`);
    return EXIT_CODES.ok;
  }
  if (command.command === "version") {
    io.stdout.write(`${cliVersion()}\n`);
    return EXIT_CODES.ok;
  }

  const secrets = [io.env.COUNTERSIGN_TOKEN, io.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, io.env.COUNTERSIGN_ID_TOKEN];
  const urlToken = /\/otp\/([^/?#]+)/.exec(command.options.url ?? io.env.COUNTERSIGN_URL ?? "")?.[1];
  secrets.push(urlToken);
  const redact = createRedactor(secrets);
  const reporter = createReporter({ stderr: io.stderr, redact, verbose: command.options.verbose });
  const { json } = command.options;

  try {
    const prepared = await prepare(command.options, io, reporter, secrets);
    if (!prepared.ok) return reportFailure(prepared.failure, io, json, redact);
    if (command.command === "exec") {
      const mode = chooseExecMode(command.options.mode ?? io.env.COUNTERSIGN_MODE, command.argv);
      if (!mode.ok) return reportFailure(mode.failure, io, json, redact);
      if (mode.value === "relay") {
        return await execWithRelay(command.argv, command.options, prepared.value, io, reporter, secrets, redact);
      }
    }
    const got = await getCode(prepared.value, reporter);
    if (!got.ok) return reportFailure(got.failure, io, json, redact);
    const code = got.value;
    io.onCode?.(code.otp);
    if (command.command === "otp") {
      io.stdout.write(json ? `${JSON.stringify(code)}\n` : `${code.otp}\n`);
      return EXIT_CODES.ok;
    }
    reporter.info(`Running ${command.argv.join(" ")}`);
    const result = await runWithCode(command.argv, code.otp, io.env as NodeJS.ProcessEnv);
    if (result.kind === "spawn-failed") {
      reporter.info(`Error: ${result.message}. The code was not used.`);
      return 127;
    }
    if (result.exitCode !== 0) reporter.info(`${command.argv[0]} exited with status ${result.exitCode}.`);
    return result.exitCode;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return reportFailure(failure("unexpected", `Unexpected error: ${message}`), io, json, redact);
  }
}

function reportFailure(problem: Failure, io: CliIo, json: boolean, redact: (text: string) => string): number {
  const reference = problem.requestId ? ` (request ${problem.requestId})` : "";
  io.stderr.write(redact(`Error: ${problem.message}${reference}\n`));
  if (json) {
    const body = {
      error: problem.serverError ?? problem.kind,
      message: problem.message,
      exitCode: EXIT_CODES[problem.kind],
      ...(problem.requestId ? { requestId: problem.requestId } : {}),
    };
    io.stdout.write(redact(`${JSON.stringify(body)}\n`));
  }
  return EXIT_CODES[problem.kind];
}

function describeWhat(pkg: PackageInfo | undefined, context: CiContext): string {
  const name = pkg ? `${pkg.name}${pkg.version ? `@${pkg.version}` : ""}` : "a publish";
  return context.repository ? `${name} from ${context.repository}` : name;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** Everything a request to the phone needs, worked out once per run. */
interface Prepared {
  link: Link;
  waitSeconds: number;
  pkg: PackageInfo | undefined;
  context: CiContext;
  oidcToken: () => string | undefined;
  refreshOidcToken: () => Promise<string | undefined>;
  key: Awaited<ReturnType<typeof createEphemeralKey>>;
  fetch?: typeof fetch;
}

async function prepare(
  options: CommandOptions,
  io: CliIo,
  reporter: Reporter,
  secrets: (string | undefined)[],
): Promise<{ ok: true; value: Prepared } | { ok: false; failure: Failure }> {
  const { env } = io;
  let waitSeconds = options.wait;
  if (waitSeconds === undefined && env.COUNTERSIGN_WAIT) {
    waitSeconds = parseWaitSeconds(env.COUNTERSIGN_WAIT);
    if (waitSeconds === undefined) {
      return {
        ok: false,
        failure: failure("usage", "COUNTERSIGN_WAIT must be a whole number of seconds from 0 to 86400."),
      };
    }
  }
  waitSeconds ??= DEFAULT_WAIT_SECONDS;

  const fromFile = await readLinkFile(options, io);
  if (fromFile && !fromFile.ok) return fromFile;
  const explicit = options.url ?? fromFile?.value;
  const resolved = resolveLink({
    url: explicit ?? (options.server ? undefined : env.COUNTERSIGN_URL),
    server: options.server ?? (explicit ? undefined : env.COUNTERSIGN_SERVER),
    token: env.COUNTERSIGN_TOKEN,
  });
  if (!resolved.ok) return resolved;
  const link: Link = resolved.link;
  secrets.push(link.token);

  let pkg: PackageInfo | undefined;
  if (options.package !== undefined) {
    pkg = parsePackageSpec(options.package);
    if (!pkg)
      return { ok: false, failure: failure("usage", `--package wants name@version (got "${options.package}").`) };
  } else {
    pkg = await readPackageJson(io.cwd);
    if (!pkg) reporter.debug(`No package name in ${io.cwd}/package.json; use --package name@version to show one.`);
  }

  const context = detectCiContext(env);
  let oidcToken: string | undefined;
  let oidcFetchedAt = 0;
  if (options.oidc) {
    const oidc = await fetchOidcToken(env, link.origin, io.fetch);
    if (oidc.kind === "warning") reporter.warn(oidc.message);
    if (oidc.kind === "token") {
      secrets.push(oidc.token);
      oidcToken = oidc.token;
      oidcFetchedAt = Date.now();
      reporter.debug(`Sending an OIDC token from ${oidc.source} (audience ${link.origin}).`);
    }
  }
  const refreshOidcToken = async (): Promise<string | undefined> => {
    if (!oidcToken || Date.now() - oidcFetchedAt < OIDC_REFRESH_AFTER_MS) return oidcToken;
    const oidc = await fetchOidcToken(env, link.origin, io.fetch);
    if (oidc.kind !== "token") return oidcToken;
    secrets.push(oidc.token);
    oidcToken = oidc.token;
    oidcFetchedAt = Date.now();
    return oidcToken;
  };
  const key = await createEphemeralKey();
  return {
    ok: true,
    value: { link, waitSeconds, pkg, context, oidcToken: () => oidcToken, refreshOidcToken, key, fetch: io.fetch },
  };
}

async function getCode(
  prepared: Prepared,
  reporter: Reporter,
): Promise<{ ok: true; value: DeliveredCode } | { ok: false; failure: Failure }> {
  const { link, pkg, context, key } = prepared;
  const oidcToken = prepared.oidcToken();
  reporter.info(
    `Asking ${link.origin} for a code to publish ${describeWhat(pkg, context)}${oidcToken ? " (with an OIDC token)" : ""}.`,
  );
  reporter.startWaiting();
  let outcome: Awaited<ReturnType<typeof requestOtp>>;
  try {
    outcome = await requestOtp({
      link,
      body: {
        ...(pkg ? { package: pkg } : {}),
        ...(Object.keys(context).length > 0 ? { context } : {}),
        ...(oidcToken ? { oidcToken } : {}),
        publicKey: key.publicJwk,
      },
      waitSeconds: prepared.waitSeconds,
      idempotencyKey: randomUUID(),
      userAgent: userAgent(),
      privateKey: key.privateKey,
      refreshOidcToken: prepared.refreshOidcToken,
      onDebug: (message) => reporter.debug(message),
      onNotice: (message) => reporter.info(message),
      fetch: prepared.fetch,
    });
  } finally {
    reporter.stopWaiting();
  }
  if (!outcome.ok) return outcome;
  const code = outcome.value;
  const by = code.approvedBy ? ` on ${code.approvedBy}` : "";
  const until = code.validUntil ? `; valid until ${clock(code.validUntil)} UTC` : "";
  reporter.info(`Approved${by}${code.encrypted ? " (end-to-end encrypted)" : ""}${until}.`);
  if (!code.exact) {
    reporter.warn(
      "No code matches this machine's clock; using the nearest one. Check the clocks of this runner and the phone.",
    );
  }
  return outcome;
}

function userAgent(): string {
  return `countersign-cli/${cliVersion()} node/${process.versions.node}`;
}

/** How much of a run one approval may cover unless --run or COUNTERSIGN_RUN says otherwise. */
const DEFAULT_RUN_SECONDS = 900;

/**
 * `exec` for npm-registry clients: runs the command against the registry
 * relay, which asks the phone only when the registry challenges a request.
 */
async function execWithRelay(
  argv: string[],
  options: CommandOptions,
  prepared: Prepared,
  io: CliIo,
  reporter: Reporter,
  secrets: (string | undefined)[],
  redact: (text: string) => string,
): Promise<number> {
  const { env } = io;
  let runSeconds = options.run;
  if (runSeconds === undefined && env.COUNTERSIGN_RUN !== undefined) {
    runSeconds = parseRunSeconds(env.COUNTERSIGN_RUN);
    if (runSeconds === undefined) {
      return reportFailure(
        failure("usage", `COUNTERSIGN_RUN is 0 or a whole number of seconds from 60 to ${MAX_RUN_SECONDS}.`),
        io,
        false,
        redact,
      );
    }
  }
  const config = readNpmConfig({ cwd: io.cwd, env });
  for (const warning of config.warnings) reporter.warn(warning);
  reporter.debug(`npm config read from: ${config.files.join(", ") || "(no .npmrc)"}`);
  const upstream = (url: string): Upstream => {
    const credential = config.credentialFor(url);
    if (credential.kind === "bearer") secrets.push(credential.token);
    if (credential.kind === "basic") secrets.push(credential.auth);
    return { url: new URL(url), credential };
  };
  if (argv.some((arg) => arg === "--registry" || arg.startsWith("--registry="))) {
    reporter.warn(
      "--registry on the command line beats every other setting: requests to it bypass Countersign and fail if the registry asks for a second factor. Set the registry in .npmrc instead.",
    );
  }
  const publishRegistry = await readPublishConfigRegistry(io.cwd);
  if (publishRegistry) {
    reporter.warn(
      `package.json sets publishConfig.registry (${publishRegistry}), which npm uses instead of any other setting: that publish bypasses Countersign and fails if the registry asks for a second factor. Set the registry in .npmrc instead.`,
    );
  }

  const secondFactor = createPhoneSecondFactor({
    link: prepared.link,
    body: {
      ...(Object.keys(prepared.context).length > 0 ? { context: prepared.context } : {}),
      ...(prepared.oidcToken() ? { oidcToken: prepared.oidcToken() } : {}),
    },
    refreshOidcToken: prepared.refreshOidcToken,
    key: prepared.key,
    waitSeconds: prepared.waitSeconds,
    runSeconds: runSeconds ?? DEFAULT_RUN_SECONDS,
    reporter,
    userAgent: userAgent(),
    fetch: io.fetch,
  });
  const relay = await startRegistryRelay({
    upstreams: {
      registry: upstream(config.registry),
      scopes: Object.fromEntries(Object.entries(config.scopes).map(([scope, url]) => [scope, upstream(url)])),
    },
    secondFactor,
    onDebug: (message) => reporter.debug(message),
  });
  secrets.push(relay.secret);
  const scratch = await mkdtemp(join(tmpdir(), "countersign-exec-"));
  const relayEnv = clientEnv(relay.registries, relay.secret);
  // Both cases: @semantic-release/npm reads only NPM_CONFIG_USERCONFIG (lib/set-npmrc-auth.js) to find
  // the relay's token, and copies that file into the --userconfig it gives npm.
  relayEnv.npm_config_userconfig = relayEnv.NPM_CONFIG_USERCONFIG = await writeRelayUserconfig({
    dir: scratch,
    env,
    relay: relay.registries,
    secret: relay.secret,
  });
  for (const warning of await yarnScopesNotRelayed(io.cwd)) reporter.warn(warning);
  reporter.info(
    `Running ${argv.join(" ")} through Countersign's registry relay for ${new URL(config.registry).host}: your phone is asked only if the registry asks for a second factor.`,
  );
  let result: Awaited<ReturnType<typeof runCommand>>;
  try {
    result = await runCommand(argv, { ...withoutNames(withoutLink(env as NodeJS.ProcessEnv), relayEnv), ...relayEnv });
  } finally {
    await relay.close();
    await rm(scratch, { recursive: true, force: true });
  }
  if (result.kind === "spawn-failed") {
    reporter.info(`Error: ${result.message}.`);
    return 127;
  }
  const refused = secondFactor.failure();
  if (refused) {
    // Whatever the command made of it, something the registry asked was not done.
    return reportFailure(
      { ...refused, message: `${refused.message} ${argv[0]} exited with status ${result.exitCode}.` },
      io,
      false,
      redact,
    );
  }
  if (secondFactor.prompts() === 0) reporter.info("The registry asked for no second factor; your phone was not asked.");
  if (result.exitCode !== 0) reporter.info(`${argv[0]} exited with status ${result.exitCode}.`);
  return result.exitCode;
}

/**
 * Yarn 2+ takes no map setting from the environment, so `npmScopes` in a
 * .yarnrc.yml keep their own registry (and token): say which scopes are not
 * relayed, from `cwd` up.
 */
async function yarnScopesNotRelayed(cwd: string): Promise<string[]> {
  const warnings: string[] = [];
  let dir = cwd;
  while (true) {
    const text = await readFile(join(dir, ".yarnrc.yml"), "utf8").catch(() => "");
    if (/^npmScopes\s*:/m.test(text)) {
      warnings.push(
        `${join(dir, ".yarnrc.yml")} sets npmScopes, which Yarn 2+ lets no environment variable override: \`yarn npm publish\` of those scopes goes to their registry directly, without Countersign (docs/cli.md, "Yarn").`,
      );
    }
    const parent = dirname(dir);
    if (parent === dir) return warnings;
    dir = parent;
  }
}

/**
 * The link from `--url-file` or COUNTERSIGN_URL_FILE (`-`: standard input),
 * so it need not sit in any process's environment; undefined when neither
 * is given.
 */
async function readLinkFile(
  options: CommandOptions,
  io: CliIo,
): Promise<{ ok: true; value: string } | { ok: false; failure: Failure } | undefined> {
  const path = options.urlFile ?? (options.url || options.server ? undefined : io.env.COUNTERSIGN_URL_FILE);
  if (path === undefined) return undefined;
  try {
    let text: string;
    if (path === "-") {
      const chunks: Buffer[] = [];
      for await (const chunk of io.stdin ?? []) chunks.push(Buffer.from(chunk as Buffer));
      text = Buffer.concat(chunks).toString("utf8");
    } else {
      text = await readFile(path, "utf8");
    }
    const link = text.trim();
    if (!link) return { ok: false, failure: failure("usage", `No link in ${path === "-" ? "standard input" : path}.`) };
    return { ok: true, value: link };
  } catch (error) {
    return {
      ok: false,
      failure: failure(
        "usage",
        `Cannot read the link from ${path}: ${(error as NodeJS.ErrnoException).code ?? error}.`,
      ),
    };
  }
}

/** `publishConfig.registry` of the package in `cwd`, which npm prefers to every other setting. */
async function readPublishConfigRegistry(cwd: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(cwd, "package.json"), "utf8")) as {
      publishConfig?: { registry?: unknown };
    };
    const registry = manifest.publishConfig?.registry;
    return typeof registry === "string" && registry ? registry : undefined;
  } catch {
    return undefined;
  }
}
