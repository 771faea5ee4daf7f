import { createGuardrails, generate } from "otplib";
import { decodeBase32 } from "./base32.js";

export type TotpAlgorithm = "SHA1" | "SHA256" | "SHA512";

/** What it takes to compute a TOTP code (RFC 6238). */
export interface TotpParams {
  /** The shared secret, base32 as registries show it. */
  secret: string;
  algorithm: TotpAlgorithm;
  /** 6 to 8. */
  digits: number;
  /** Seconds per step, usually 30. */
  period: number;
}

/** A code and the half-open interval `[notBefore, notAfter)` (ms since epoch) in which it is valid. */
export interface TimedCode {
  otp: string;
  notBefore: number;
  notAfter: number;
}

// Real registries hand out 10-byte secrets (e.g. 16 base32 characters); otplib's
// default floor of 16 bytes would refuse them.
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 1 });

const ALGORITHMS = { SHA1: "sha1", SHA256: "sha256", SHA512: "sha512" } as const;

/** Computes the code valid at `epochMs` (default: now). */
export async function generateTotp(params: TotpParams, epochMs = Date.now()): Promise<string> {
  return generate({
    secret: decodeBase32(params.secret),
    algorithm: ALGORITHMS[params.algorithm],
    digits: params.digits,
    period: params.period,
    epoch: Math.floor(epochMs / 1000),
    guardrails,
  });
}

/**
 * Computes the codes for the step containing `epochMs` and the `count - 1`
 * steps after it, each with its validity window. An approval carries two, so a
 * code delivered at the very end of a step still works.
 */
export async function generateTimedCodes(params: TotpParams, epochMs = Date.now(), count = 2): Promise<TimedCode[]> {
  const periodMs = params.period * 1000;
  const stepStart = Math.floor(epochMs / periodMs) * periodMs;
  const codes: TimedCode[] = [];
  for (let i = 0; i < count; i++) {
    const notBefore = stepStart + i * periodMs;
    codes.push({
      otp: await generateTotp(params, notBefore),
      notBefore,
      notAfter: notBefore + periodMs,
    });
  }
  return codes;
}

/** The code of `codes` valid at `epochMs`, or undefined when none is. */
export function pickValidCode(codes: readonly TimedCode[], epochMs = Date.now()): TimedCode | undefined {
  return codes.find((code) => code.notBefore <= epochMs && epochMs < code.notAfter);
}

/** Milliseconds left in the current step. */
export function msLeftInStep(period: number, epochMs = Date.now()): number {
  const periodMs = period * 1000;
  return periodMs - (epochMs % periodMs);
}
