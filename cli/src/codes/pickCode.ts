import type { TimedCode } from "./timedCode.js";

/**
 * The code valid at `now`. If none is (this machine's clock and the phone's
 * disagree), the one whose window is nearest to `now` — registries accept a
 * step either side, so it is still the best guess.
 */
export function pickCode(codes: readonly TimedCode[], now: number): { code: TimedCode; exact: boolean } | undefined {
  const valid = codes.find((code) => code.notBefore <= now && now < code.notAfter);
  if (valid) return { code: valid, exact: true };
  const distance = (code: TimedCode) => (now < code.notBefore ? code.notBefore - now : now - code.notAfter + 1);
  const nearest = [...codes].sort((a, b) => distance(a) - distance(b))[0];
  return nearest ? { code: nearest, exact: false } : undefined;
}
