/** The smoke test account's TOTP parameters (RFC 6238 example secret), known to the device and to the checks. */
export const TOTP = { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 };
