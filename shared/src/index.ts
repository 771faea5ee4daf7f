export * from "./base32.js";
export * from "./base64url.js";
export * from "./bytes.js";
// describePolicy and describeRequest are kept apart from the zod schemas, so the
// PWA's first screens can use them without loading zod.
export * from "./describePolicy.js";
export * from "./describeRequest.js";
export * from "./deviceClient.js";
export * from "./devicesProtocol.js";
export * from "./issuers.js";
export * from "./otpauth.js";
export * from "./otpauthMigration.js";
export * from "./policy.js";
export * from "./protocol.js";
export * from "./signing.js";
export * from "./tokens.js";
export * from "./totp.js";
