/** A code and its validity window `[notBefore, notAfter)`, ms since epoch. */
export interface TimedCode {
  otp: string;
  notBefore: number;
  notAfter: number;
}

/** Checks one decoded entry of `codes`. */
export function isTimedCode(value: unknown): value is TimedCode {
  if (typeof value !== "object" || value === null) return false;
  const { otp, notBefore, notAfter } = value as Record<string, unknown>;
  return (
    typeof otp === "string" &&
    /^\d{6,8}$/.test(otp) &&
    Number.isSafeInteger(notBefore) &&
    Number.isSafeInteger(notAfter) &&
    (notBefore as number) < (notAfter as number)
  );
}
