import { randomUUID } from "node:crypto";
import { helpText } from "./args/helpText.js";
import { type CommandOptions, parseCliArgs, parseWaitSeconds } from "./args/parseCliArgs.js";
import { createEphemeralKey } from "./codes/createEphemeralKey.js";
import { type CiContext, detectCiContext, type Env } from "./context/detectCiContext.js";
import { fetchOidcToken } from "./context/fetchOidcToken.js";
import { type PackageInfo, parsePackageSpec, readPackageJson } from "./context/readPackageInfo.js";
import { runWithCode } from "./exec/runWithCode.js";
import { EXIT_CODES, type Failure, failure } from "./failure.js";
import { type Link, resolveLink } from "./link/resolveLink.js";
import { createRedactor } from "./output/createRedactor.js";
import { createReporter, type Reporter } from "./output/createReporter.js";
import { type DeliveredCode, requestOtp } from "./request/requestOtp.js";
import { cliVersion } from "./version.js";

export interface CliIo {
  env: Env;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  fetch?: typeof fetch;
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
    const got = await getCode(command.options, io, reporter, secrets);
    if (!got.ok) return reportFailure(got.failure, io, json, redact);
    const code = got.value;
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

async function getCode(
  options: CommandOptions,
  io: CliIo,
  reporter: Reporter,
  secrets: (string | undefined)[],
): Promise<{ ok: true; value: DeliveredCode } | { ok: false; failure: Failure }> {
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

  const resolved = resolveLink({
    url: options.url ?? (options.server ? undefined : env.COUNTERSIGN_URL),
    server: options.server ?? (options.url ? undefined : env.COUNTERSIGN_SERVER),
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
    if (Date.now() - oidcFetchedAt < OIDC_REFRESH_AFTER_MS) return oidcToken;
    const oidc = await fetchOidcToken(env, link.origin, io.fetch);
    if (oidc.kind !== "token") return oidcToken;
    secrets.push(oidc.token);
    oidcToken = oidc.token;
    oidcFetchedAt = Date.now();
    return oidcToken;
  };
  const key = await createEphemeralKey();

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
      waitSeconds,
      idempotencyKey: randomUUID(),
      userAgent: `countersign-cli/${cliVersion()} node/${process.versions.node}`,
      privateKey: key.privateKey,
      refreshOidcToken,
      onDebug: (message) => reporter.debug(message),
      onNotice: (message) => reporter.info(message),
      fetch: io.fetch,
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
