export * from "./base32.js";
export * from "./base64url.js";
export * from "./otpauth.js";
export * from "./policy.js";
export * from "./protocol.js";
export * from "./signing.js";
export * from "./tokens.js";
export * from "./totp.js";
