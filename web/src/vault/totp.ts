/**
 * The code generators (otplib and its hash functions, ≈ 10 KB compressed),
 * loaded by the vault the first time it computes a code: a new phone's first
 * screen has no account and needs none of it.
 */
export { generateTimedCodes, generateTotp } from "@countersign/shared";
