import { randomUUID, type webcrypto } from "node:crypto";
import type { P256PublicJwk } from "../codes/createEphemeralKey.js";
import { pickCode } from "../codes/pickCode.js";
import type { TimedCode } from "../codes/timedCode.js";
import type { Failure } from "../failure.js";
import type { Link } from "../link/resolveLink.js";
import type { Reporter } from "../output/createReporter.js";
import { type OtpRequestBody, requestAnswer, withdrawRequest } from "../request/requestOtp.js";
import { checkWebChallenge, describeAuthUrl, pollDone } from "./challenge.js";
import type { RegistryOperation } from "./readOperation.js";
import type { ChallengedRequest, SecondFactor, SecondFactorAnswer, Upstream } from "./startRegistryRelay.js";

export interface PhoneSecondFactorOptions {
  link: Link;
  /** What every request to the phone carries: CI's claimed context and OIDC token. */
  body: Pick<OtpRequestBody, "context" | "oidcToken">;
  refreshOidcToken?: () => Promise<string | undefined>;
  key: { publicJwk: P256PublicJwk; privateKey: webcrypto.CryptoKey };
  /** How long to wait for each challenge's answer. */
  waitSeconds: number;
  /** Offer the approver codes for this many seconds of the run (0: one code per approval). */
  runSeconds: number;
  reporter: Reporter;
  userAgent: string;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface PhoneSecondFactor extends SecondFactor {
  /** Why a challenge went unanswered (denied, timed out), which ends the run's prompts; null if none did. */
  failure(): Failure | null;
  /** How many times the phone was asked. */
  prompts(): number;
}

/** "publish foo@1.2.3 (tag latest)", for the CI log. */
export function describeForLog(operation: RegistryOperation): string {
  const spec = operation.package
    ? `${operation.package.name}${operation.package.version ? `@${operation.package.version}` : ""}`
    : operation.path;
  switch (operation.action) {
    case "publish":
      return `publish ${spec}${operation.tag ? ` (tag ${operation.tag})` : ""}`;
    case "dist-tag-add":
      return `tag ${spec} as ${operation.tag ?? "?"}`;
    case "dist-tag-rm":
      return `remove the tag ${operation.tag ?? "?"} from ${spec}`;
    case "other":
      return `${operation.method} ${operation.path}`;
    default:
      return `${operation.action.replace("-", " ")} ${spec}`;
  }
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function authHeaders(upstream: Upstream): Record<string, string> {
  const { credential } = upstream;
  if (credential.kind === "bearer") return { authorization: `Bearer ${credential.token}` };
  if (credential.kind === "basic") return { authorization: `Basic ${credential.auth}` };
  return {};
}

/**
 * The relay's second factor: asks the phone through Countersign exactly when
 * the registry asks, with what the registry was asked to do. One approval
 * serves a whole release: a code is reused while it is valid, and when the
 * approver covers the rest of the run, its codes serve every later
 * challenge until the window closes. A web (passkey) challenge is the
 * registry's own decision each time: the phone is asked to open its page,
 * while this polls the registry. After a denial or a timeout the phone is
 * not asked again in this run.
 */
export function createPhoneSecondFactor(options: PhoneSecondFactorOptions): PhoneSecondFactor {
  const now = options.now ?? Date.now;
  const { reporter } = options;
  let codes: TimedCode[] = [];
  let runUntil: number | undefined;
  const refused = new Set<string>();
  const challenged = new Set<string>();
  let stopped: Failure | null = null;
  let prompts = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const codeNow = (): string | null => {
    const at = now();
    return codes.find((code) => code.notBefore <= at && at < code.notAfter && !refused.has(code.otp))?.otp ?? null;
  };

  const refuse = (problem: Failure): SecondFactorAnswer => {
    stopped ??= problem;
    return { kind: "refused", status: 403, message: `Countersign: ${problem.message}` };
  };

  const ask = (
    operation: RegistryOperation,
    challenge: OtpRequestBody["challenge"],
    signal?: AbortSignal,
    onRequestId?: (id: string) => void,
  ) => {
    prompts++;
    const offerRun = challenge?.type !== "web" && options.runSeconds > 0;
    return requestAnswer({
      link: options.link,
      body: {
        ...options.body,
        operation,
        challenge,
        publicKey: options.key.publicJwk,
        ...(offerRun ? { run: { seconds: options.runSeconds } } : {}),
      },
      waitSeconds: options.waitSeconds,
      idempotencyKey: randomUUID(),
      userAgent: options.userAgent,
      privateKey: options.key.privateKey,
      refreshOidcToken: options.refreshOidcToken,
      onDebug: (message) => reporter.debug(message),
      onNotice: (message) => reporter.info(message),
      fetch: options.fetch,
      now,
      signal,
      onRequestId,
    });
  };

  const answerCode = async (request: ChallengedRequest): Promise<SecondFactorAnswer> => {
    const inHand = codeNow();
    const what = describeForLog(request.operation);
    if (inHand) {
      reporter.info(
        `The registry asks for a one-time password to ${what}; using the code approved ${runUntil ? "for this run" : "moments ago"}.`,
      );
      return { kind: "otp", otp: inHand };
    }
    reporter.info(`The registry asks for a one-time password to ${what}; asking your phone.`);
    reporter.startWaiting();
    const outcome = await ask(request.operation, { type: "otp" }).finally(() => reporter.stopWaiting());
    if (!outcome.ok) return refuse(outcome.failure);
    if ("opened" in outcome.value) return refuse({ kind: "unexpected", message: "The phone answered without a code." });
    const delivered = outcome.value;
    codes = delivered.codes;
    runUntil = delivered.runUntil;
    const by = delivered.approvedBy ? ` on ${delivered.approvedBy}` : "";
    reporter.info(
      `Approved${by}${delivered.encrypted ? " (end-to-end encrypted)" : ""}${runUntil ? `, with codes for the rest of this run until ${clock(runUntil)} UTC` : ""}.`,
    );
    const picked = pickCode(delivered.codes, now());
    if (!picked) return refuse({ kind: "unexpected", message: "The answer held no code." });
    if (!picked.exact) {
      reporter.warn(
        "No code matches this machine's clock; using the nearest one. Check the clocks of this runner and the phone.",
      );
    }
    return { kind: "otp", otp: picked.code.otp };
  };

  const answerWeb = async (
    request: ChallengedRequest & { challenge: { type: "web" } },
  ): Promise<SecondFactorAnswer> => {
    const { authUrl, doneUrl } = request.challenge;
    const problem = checkWebChallenge({ authUrl, doneUrl }, request.upstream.url);
    if (problem) {
      reporter.warn(`Not offering the registry's passkey page to your phone: ${problem}.`);
      return refuse({ kind: "unexpected", message: `refused the registry's passkey challenge: ${problem}.` });
    }
    const what = describeForLog(request.operation);
    reporter.info(
      `The registry asks for your passkey or security key to ${what} (${describeAuthUrl(authUrl)}); asking your phone to open it.`,
    );
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(options.waitSeconds * 1000)]);
    const done = pollDone(doneUrl, { headers: authHeaders(request.upstream), signal, fetch: options.fetch }).then(
      (token) => ({ kind: "token" as const, token }),
      (error: Error) => ({ kind: "poll-failed" as const, error }),
    );
    let requestId: string | undefined;
    reporter.startWaiting();
    try {
      const phone = ask(request.operation, { type: "web", authUrl }, signal, (id) => {
        requestId = id;
      }).then((outcome) => ({
        kind: "phone" as const,
        outcome,
      }));
      let first = await Promise.race([done, phone]);
      if (first.kind === "phone") {
        const { outcome } = first;
        if (!outcome.ok) {
          if (!signal.aborted || outcome.failure.kind !== "timeout") {
            stop.abort();
            return refuse(outcome.failure);
          }
        } else {
          const by = outcome.value.approvedBy ? ` on ${outcome.value.approvedBy}` : "";
          reporter.info(`Opened${by}; waiting for the registry to confirm the passkey.`);
        }
        first = await done;
      } else {
        stop.abort();
        // Met on the registry's page before the phone answered: take the question off the phone.
        if (requestId) {
          await withdrawRequest({
            link: options.link,
            requestId,
            oidcToken: (await options.refreshOidcToken?.()) ?? options.body.oidcToken,
            userAgent: options.userAgent,
            fetch: options.fetch,
          });
        }
      }
      if (first.kind === "token") {
        reporter.info("The registry confirmed the passkey; sending the request again.");
        return { kind: "otp", otp: first.token };
      }
      if (signal.aborted && !stop.signal.aborted) {
        return refuse({
          kind: "timeout",
          message: `no passkey confirmation from the registry within ${options.waitSeconds} s.`,
        });
      }
      return refuse({ kind: "unexpected", message: `${first.error.message}.` });
    } finally {
      stop.abort();
      reporter.stopWaiting();
    }
  };

  return {
    answer(request) {
      const next = queue.then(async (): Promise<SecondFactorAnswer> => {
        if (stopped) {
          return { kind: "refused", status: 403, message: `Countersign: not asking again after: ${stopped.message}` };
        }
        challenged.add(request.upstream.url.href);
        if (request.refusedOtp) refused.add(request.refusedOtp);
        if (request.challenge.type === "web") {
          return answerWeb(request as ChallengedRequest & { challenge: { type: "web" } });
        }
        return answerCode(request);
      });
      queue = next.catch(() => {});
      return next;
    },
    codeInHand(upstream) {
      return challenged.has(upstream.url.href) ? codeNow() : null;
    },
    failure: () => stopped,
    prompts: () => prompts,
  };
}
