import { z } from "zod";
import { LinkPolicy } from "./policy.js";

/**
 * The wire protocol between CI, the relay server and devices. Inputs are zod
 * schemas (unknown fields rejected); outputs are types. docs/api.md describes
 * every endpoint; the route list is {@link API_ROUTES}.
 */

export const API_PREFIX = "/api/v1";

/** Every route the relay serves. `device` routes require a signed request (see signing.ts). */
export const API_ROUTES = {
  health: "GET /api/v1/health",
  vapidKey: "GET /api/v1/push/vapid-public-key",
  // CI (link token as Bearer header, or in the URL form)
  otp: "POST /api/v1/otp",
  otpUrlForm: "POST|GET /api/v1/otp/:token",
  resume: "GET /api/v1/requests/:requestId",
  withdraw: "DELETE /api/v1/requests/:requestId",
  // Devices (signed)
  pair: "POST /api/v1/devices",
  me: "GET /api/v1/devices/me",
  renameMe: "PATCH /api/v1/devices/me",
  devices: "GET /api/v1/devices",
  removeDevice: "DELETE /api/v1/devices/:deviceId",
  invite: "POST /api/v1/invites",
  pushSubscription: "PUT /api/v1/devices/me/push",
  removePushSubscription: "DELETE /api/v1/devices/me/push",
  accounts: "GET /api/v1/accounts",
  createAccount: "POST /api/v1/accounts",
  updateAccount: "PATCH /api/v1/accounts/:accountId",
  deleteAccount: "DELETE /api/v1/accounts/:accountId",
  links: "GET /api/v1/accounts/:accountId/links",
  createLink: "POST /api/v1/accounts/:accountId/links",
  updateLink: "PATCH /api/v1/links/:linkId",
  revokeLink: "DELETE /api/v1/links/:linkId",
  history: "GET /api/v1/accounts/:accountId/history",
  approvals: "GET /api/v1/approvals",
  approval: "GET /api/v1/approvals/:requestId",
  answer: "POST /api/v1/approvals/:requestId/answer",
  // Passkey (WebAuthn) required for this device's approvals (signed)
  passkeyOptions: "POST /api/v1/devices/me/passkey/options",
  registerPasskey: "POST /api/v1/devices/me/passkey",
  passkeyChallenge: "POST /api/v1/devices/me/passkey/challenge",
  removePasskey: "DELETE /api/v1/devices/me/passkey",
} as const;

/** Error codes in `{error, message}` bodies, with the HTTP status each maps to. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  denied: 403,
  policy: 403,
  forbidden: 403,
  /** The device requires a passkey for approvals and the answer carried no assertion. */
  passkey_required: 403,
  not_found: 404,
  /** A method the endpoint does not take (HEAD, OPTIONS, … on the CI routes); the `Allow` header lists those it does. */
  method_not_allowed: 405,
  timeout: 408,
  already_answered: 409,
  conflict: 409,
  expired: 410,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  requestId?: string;
}

const text = (max: number) => z.string().trim().min(1).max(max);

/** A P-256 public key as JWK (what WebCrypto and jose export). */
export const P256PublicJwk = z.strictObject({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "x must be 32 bytes base64url"),
  y: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "y must be 32 bytes base64url"),
  ext: z.boolean().optional(),
  key_ops: z.array(z.string().max(20)).max(4).optional(),
  alg: z.string().max(20).optional(),
  use: z.string().max(10).optional(),
});
export type P256PublicJwk = z.infer<typeof P256PublicJwk>;

/**
 * Characters that can make a text on the approver's screen say something else
 * than it is: controls (C0, C1, DEL), format characters (bidi overrides and
 * isolates, zero-width spaces and joiners, soft hyphens, the BOM), line and
 * paragraph separators, private-use and unassigned code points, and every
 * space but the plain one (no-break, ideographic, hair spaces: padding).
 */
export const DECEPTIVE_CHARACTERS =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]|[^\S ]|[\u00a0\u2000-\u200a\u202f\u205f\u3000\u3164\uffa0\u115f\u1160]/u;

/**
 * Text CI sends to be shown to the approver: trimmed, at most `max`
 * characters, without deceptive characters or runs of spaces (padding that
 * pushes the rest out of a notification).
 */
const shownText = (max: number) =>
  text(max)
    .refine(
      (value) => !DECEPTIVE_CHARACTERS.test(value),
      "must not contain control, format, bidi or invisible characters",
    )
    .refine((value) => !value.includes("  "), "must not contain runs of spaces");

/** Printable ASCII without spaces, for identifiers whose look-alikes would deceive (refs, names). */
const asciiToken = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

/** https (or http) without user info: `https://github.com@evil.example/` would show as GitHub's. */
export function isShowableUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password;
  } catch {
    return false;
  }
}

export const PackageInfo = z.strictObject({
  name: shownText(214),
  version: shownText(128).optional(),
});
export type PackageInfo = z.infer<typeof PackageInfo>;

/**
 * What CI says about itself. Shown to the approver as "claimed by CI". Every
 * field is bounded and free of deceptive characters; those a look-alike could
 * fake (repository, ref, commit, actor, …) are plain ASCII.
 */
export const CiContext = z.strictObject({
  provider: z
    .string()
    .max(40)
    .regex(/^[A-Za-z0-9._-]+$/, "must be a word such as github or gitlab")
    .optional(),
  repository: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){1,9}$/, "must be owner/name (ASCII letters, digits, . _ -)")
    .optional(),
  runUrl: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .refine(isShowableUrl, "runUrl must be an http(s) URL without user info")
    .optional(),
  sha: z
    .string()
    .regex(/^[0-9a-fA-F]{7,64}$/, "sha must be a hexadecimal commit id")
    .optional(),
  ref: asciiToken(255).optional(),
  workflow: shownText(200).optional(),
  job: shownText(200).optional(),
  actor: asciiToken(100).optional(),
  eventName: z
    .string()
    .max(60)
    .regex(/^[A-Za-z0-9._-]+$/, "must be an event name such as push")
    .optional(),
  environment: shownText(200).optional(),
});
export type CiContext = z.infer<typeof CiContext>;

/** npm's package-name rule: lowercase URL-safe characters, an optional `@scope/`, at most 214 characters. */
export const NPM_PACKAGE_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;
/** A semver version as registries store it (no build-metadata tricks beyond semver's own characters). */
export const SEMVER_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * What a registry was asked to do, as `countersign exec`'s registry relay read
 * it from the very request the registry challenged (method, path and body).
 * Shown to the approver as "read from the publish request": neither claimed
 * by CI nor verified by OIDC, but what the registry will do with the code.
 */
export const RegistryAction = z.enum([
  "publish",
  "unpublish",
  "deprecate",
  "dist-tag-add",
  "dist-tag-rm",
  "owner-change",
  "access",
  "token",
  "profile",
  "other",
]);
export type RegistryAction = z.infer<typeof RegistryAction>;

export const RegistryOperation = z.strictObject({
  action: RegistryAction,
  /** Host (and port) of the upstream registry, e.g. `registry.npmjs.org`. */
  registry: z
    .string()
    .max(260)
    .regex(/^[a-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$/, "registry must be a host[:port]"),
  /** `PUT`, `DELETE`, `POST`, `PATCH`. */
  method: z.enum(["PUT", "DELETE", "POST", "PATCH", "GET"]),
  /** The request path on the registry (decoded, at most 500 characters). */
  path: z
    .string()
    .max(500)
    .regex(/^\/[\x21-\x7e]*$/, "path must be printable ASCII starting with /"),
  package: z
    .strictObject({
      name: z.string().max(214).regex(NPM_PACKAGE_NAME, "not a valid npm package name"),
      version: z.string().max(128).regex(SEMVER_VERSION, "not a semver version").optional(),
    })
    .optional(),
  /** The dist-tag set by a publish or a dist-tag change (`latest`, `next`). */
  tag: z
    .string()
    .max(128)
    .regex(/^[A-Za-z0-9._~-]+$/, "not a valid dist-tag")
    .optional(),
  /** The tarball a publish uploads: its size in bytes and the SHA-512 the relay computed over it (SRI form). */
  tarball: z
    .strictObject({
      size: z.number().int().nonnegative(),
      integrity: z
        .string()
        .max(120)
        .regex(/^sha512-[A-Za-z0-9+/]{86}==$/, "integrity must be an SRI sha512"),
    })
    .optional(),
  /** `public` or `restricted`, for a first publish or an access change. */
  access: z.enum(["public", "restricted"]).optional(),
  /** Maintainers after an owner change. */
  maintainers: z
    .array(
      z
        .string()
        .max(214)
        .regex(/^[A-Za-z0-9._~-]+$/),
    )
    .max(50)
    .optional(),
});
export type RegistryOperation = z.infer<typeof RegistryOperation>;

/**
 * Which second factor the registry asked for. `otp`: a TOTP code (the phone
 * computes it). `web`: the registry's own web page (`authUrl`), where the
 * maintainer uses a passkey or security key on the registry's site; the
 * phone only opens it. Only `https` URLs are accepted (plain `http` only on a
 * loopback host, for local registries).
 */
export const RegistryChallenge = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("otp") }),
  z.strictObject({
    type: z.literal("web"),
    authUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .refine(isOfferableAuthUrl, "authUrl must be https (http only on a loopback host), without credentials"),
  }),
]);
export type RegistryChallenge = z.infer<typeof RegistryChallenge>;

/** https without user info; plain http only to localhost, 127.0.0.0/8 or [::1]. */
export function isOfferableAuthUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === "https:") return true;
  return (
    url.protocol === "http:" &&
    (url.hostname === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname) || url.hostname === "[::1]")
  );
}

/** Longest stretch of a run an approval may cover with codes computed in advance. */
export const MAX_RUN_SECONDS = 1800;

/** Upper bound on an OIDC token's length; real ones are 1–3 KB. */
export const MAX_OIDC_TOKEN_LENGTH = 8192;

/** Body of `POST /api/v1/otp` (all optional; an empty body or none at all is fine). */
export const OtpRequestBody = z.strictObject({
  package: PackageInfo.optional(),
  context: CiContext.optional(),
  oidcToken: z.string().min(10).max(MAX_OIDC_TOKEN_LENGTH).optional(),
  /** Seconds to hold this HTTP request open; the server clamps it to its maximum. */
  wait: z.number().int().min(0).max(86_400).optional(),
  /** Ephemeral key of the CI client: the device encrypts its answer to it (JWE ECDH-ES + A256GCM). */
  publicKey: P256PublicJwk.optional(),
  /** What the registry was asked to do, read from the challenged request (sent by `countersign exec`). */
  operation: RegistryOperation.optional(),
  /** The registry's challenge; absent means a code (`otp`). */
  challenge: RegistryChallenge.optional(),
  /**
   * Offer the approver to cover the rest of this run: codes for the next
   * `seconds` as well, end-to-end encrypted (needs `publicKey`; not with a
   * `web` challenge). The approver decides; without that, one code.
   */
  run: z.strictObject({ seconds: z.number().int().min(60).max(MAX_RUN_SECONDS) }).optional(),
});
export type OtpRequestBody = z.infer<typeof OtpRequestBody>;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/**
 * Header of `GET /api/v1/requests/<id>` (resume) carrying the CI job's OIDC
 * token, which a link with a policy requires there too: only the CI run the
 * request was verified for may collect its code.
 */
export const OIDC_TOKEN_HEADER = "x-countersign-oidc-token";

/** A code and its validity window `[notBefore, notAfter)`, ms since epoch. */
export const TimedCodeSchema = z.strictObject({
  otp: z.string().regex(/^\d{6,8}$/, "a code is 6 to 8 digits"),
  notBefore: z.number().int().nonnegative(),
  notAfter: z.number().int().positive(),
});

/** Most codes one answer may carry: a run of MAX_RUN_SECONDS at 15-second steps, and one more. */
export const MAX_RUN_CODES = MAX_RUN_SECONDS / 15 + 2;

/**
 * The plaintext inside an answer JWE: what a device encrypts to CI's public
 * key. Up to 3 codes for one challenge; up to MAX_RUN_CODES when the
 * approver covered the rest of the run (`runUntil`, ms since epoch).
 */
export const JweAnswerPayload = z.strictObject({
  codes: z.array(TimedCodeSchema).min(1).max(MAX_RUN_CODES),
  runUntil: z.number().int().positive().optional(),
});
export type JweAnswerPayload = z.infer<typeof JweAnswerPayload>;

/** Successful JSON answer to CI (`Accept: application/json`). */
export interface OtpResponse {
  requestId: string;
  /** Plaintext code (absent when the request carried `publicKey`). */
  otp?: string;
  /** End of the code's validity, ms since epoch (absent with `jwe`). */
  validUntil?: number;
  /** The device's answer encrypted to the request's `publicKey`, relayed untouched. */
  jwe?: string;
  /** A `web` challenge: the approver opened the registry's page; CI now waits for the registry. */
  opened?: true;
  approvedBy?: string;
  approvedAt: number;
}

// ---------------------------------------------------------------- devices

/** `POST /api/v1/devices`: pair a new device. Signed by the key it registers. */
export const PairBody = z.union([
  z.strictObject({ setupCode: text(64), name: text(60), publicKey: P256PublicJwk }),
  z.strictObject({ inviteCode: text(64), name: text(60), publicKey: P256PublicJwk }),
]);
export type PairBody = z.infer<typeof PairBody>;

export const RenameBody = z.strictObject({ name: text(60) });

export interface DeviceView {
  id: string;
  name: string;
  createdAt: number;
  lastSeenAt: number | null;
  hasPush: boolean;
  /** The device's approvals require a passkey assertion (absent from servers before passkeys). */
  hasPasskey?: boolean;
  /** True for the device making the call. */
  current?: boolean;
}

export interface InviteView {
  /** The id the open invites list it under (`GET /api/v1/invites`), to revoke it. */
  id: string;
  inviteCode: string;
  /** Link to open on the new device; the code is in the fragment. */
  url: string;
  expiresAt: number;
}

export const PushSubscriptionBody = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/ }).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{86,88}={0,2}$/, "p256dh must be a 65-byte P-256 point"),
    auth: z.string().regex(/^[A-Za-z0-9_-]{22,24}={0,2}$/, "auth must be 16 bytes"),
  }),
});
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBody>;

const base64urlField = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, "must be base64url")
    .max(max);

/**
 * What every WebAuthn credential sends back (the JSON of @simplewebauthn/browser):
 * the credential's ids, its attachment and extension results, and a `response`
 * holding the client data and the ceremony's own fields.
 */
function webAuthnCredential<Response extends z.ZodRawShape>(response: Response) {
  return z.strictObject({
    id: base64urlField(1024).min(1),
    rawId: base64urlField(1024).min(1),
    type: z.literal("public-key"),
    response: z.strictObject({ clientDataJSON: base64urlField(4096).min(1), ...response }),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()),
  });
}

/**
 * A WebAuthn assertion (`AuthenticationResponseJSON` of @simplewebauthn/browser's
 * `startAuthentication`). In an approval its challenge must be
 * `approvalChallenge(requestId, answer)` (approvalChallenge.ts).
 */
export const PasskeyAssertion = webAuthnCredential({
  authenticatorData: base64urlField(4096).min(1),
  signature: base64urlField(1024).min(1),
  userHandle: base64urlField(256).optional(),
});
export type PasskeyAssertion = z.infer<typeof PasskeyAssertion>;

// ---------------------------------------------------------------- accounts and links

/** The server's record of an account: never the secret. */
export const CreateAccountBody = z.strictObject({
  issuer: z.string().trim().max(200),
  label: text(200),
});
export const UpdateAccountBody = z.strictObject({
  issuer: z.string().trim().max(200).optional(),
  label: text(200).optional(),
  /** With a passkey on the device: an assertion over a `rename_account` challenge. */
  assertion: PasskeyAssertion.optional(),
});

export interface AccountView {
  id: string;
  issuer: string;
  label: string;
  createdAt: number;
  deviceIds: string[];
}

export const CreateLinkBody = z.strictObject({
  name: text(80),
  /** Which CI runs may use the link, proven by an OIDC token (docs/oidc.md). Absent: any caller with the token. */
  policy: LinkPolicy.optional(),
  /** With a passkey on the device: an assertion over a `create_link` challenge. */
  assertion: PasskeyAssertion.optional(),
});
export const UpdateLinkBody = z.strictObject({
  name: text(80).optional(),
  paused: z.boolean().optional(),
  /** A new policy, or null to remove it. */
  policy: LinkPolicy.nullable().optional(),
  /** With a passkey on the device, to change the policy or resume: an assertion over a `widen_link` challenge. */
  assertion: PasskeyAssertion.optional(),
});

export interface LinkView {
  id: string;
  accountId: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  paused: boolean;
  revokedAt: number | null;
  /** The first characters of the token, to tell links apart (`cs_AbCd…`). */
  tokenHint: string;
  /** Which CI runs the link answers (verified by OIDC); null: anyone holding the token. */
  policy: LinkPolicy | null;
}

/** Answer to link creation: the token and URL, shown once. */
export interface CreatedLink {
  link: LinkView;
  token: string;
  /** `<origin>/api/v1/otp/<token>`. */
  url: string;
}

// ---------------------------------------------------------------- approvals

export type RequestStatus = "pending" | "approved" | "denied" | "expired";

/**
 * How a request is answered: with codes, or by opening the registry's page
 * (see RegistryChallenge). `authUrl` is there only while the request is
 * pending: the server wipes it once the request is answered, withdrawn or expired.
 */
export type ChallengeView = { type: "otp" } | { type: "web"; authUrl?: string };

/**
 * Who asked: their address and User-Agent, and the HTTP method of the call
 * that created the request (absent on requests from servers before it was
 * recorded). `GET` is the plain GET of the link URL: a chat preview or a link
 * scanner sends it to any URL it sees, with no body and so no context.
 */
export interface Requester {
  ip: string;
  userAgent: string | null;
  method?: "GET" | "POST";
}

/** Who answered a request. */
export interface AnsweredBy {
  deviceId: string;
  deviceName: string;
}

/** A CI request as a device sees it, to decide. */
export interface ApprovalView {
  id: string;
  accountId: string;
  account: { issuer: string; label: string };
  link: { id: string; name: string };
  package: PackageInfo | null;
  /** Context as CI stated it (unverified). */
  claimed: CiContext | null;
  /** Claims proven by a verified OIDC token; null without one. */
  verified: Record<string, string> | null;
  requester: Requester;
  createdAt: number;
  expiresAt: number;
  status: RequestStatus;
  answeredBy: AnsweredBy | null;
  answeredAt: number | null;
  /** CI's ephemeral key: when present, approve with a JWE encrypted to it. */
  publicKey: P256PublicJwk | null;
  /** What the registry was asked to do, read from the challenged request; null when CI sent none. */
  operation: RegistryOperation | null;
  /** What answering means: codes (default) or opening the registry's passkey page. */
  challenge: ChallengeView;
  /** CI offers to take codes for the rest of its run, up to this many seconds; null: one code. */
  run: { seconds: number } | null;
}

/** `POST /api/v1/devices/me/passkey`: the `RegistrationResponseJSON` of `startRegistration`. */
export const PasskeyRegistration = webAuthnCredential({
  attestationObject: base64urlField(16_384).min(1),
  authenticatorData: base64urlField(8192).optional(),
  transports: z.array(z.string().max(20)).max(8).optional(),
  publicKeyAlgorithm: z.number().int().optional(),
  publicKey: base64urlField(2048).optional(),
});
export type PasskeyRegistration = z.infer<typeof PasskeyRegistration>;

/** `DELETE /api/v1/devices/me/passkey`: an assertion over a challenge from `POST …/passkey/challenge`. */
export const RemovePasskeyBody = z.strictObject({ assertion: PasskeyAssertion });
export type RemovePasskeyBody = z.infer<typeof RemovePasskeyBody>;

/**
 * What a server challenge from `POST …/passkey/challenge` is for; an assertion
 * over it is accepted only by that action. `remove` (turning the requirement
 * off) is the default; the others guard what could move seeds off the phone
 * or widen who can cause a prompt or collect a code (docs/api.md lists them).
 */
export const PasskeyPurpose = z.enum([
  "remove",
  "invite",
  "transfer",
  "recovery_code",
  "remove_device",
  /** A new CI link (its token is shown once). */
  "create_link",
  /** Removing or changing a link's policy, or resuming a paused link. */
  "widen_link",
  /** Renaming an account (its name is what approvers read). */
  "rename_account",
  /** Letting go of an account (the last holder deletes it). */
  "delete_account",
]);
export type PasskeyPurpose = z.infer<typeof PasskeyPurpose>;

/** `POST /api/v1/devices/me/passkey/challenge` (optional body; without it the purpose is `remove`). */
export const PasskeyChallengeBody = z.strictObject({ purpose: PasskeyPurpose.optional() });
export type PasskeyChallengeBody = z.infer<typeof PasskeyChallengeBody>;

/**
 * `POST /api/v1/invites`, `POST /api/v1/recovery/code`, `DELETE
 * /api/v1/devices/<another device>` (optional body): a device with a passkey
 * must send an assertion over a challenge of the matching purpose (`invite`,
 * `recovery_code`, `remove_device`).
 */
export const PasskeyProofBody = z.strictObject({ assertion: PasskeyAssertion.optional() });
export type PasskeyProofBody = z.infer<typeof PasskeyProofBody>;

/** `POST /api/v1/approvals/:id/answer`. */
export const AnswerBody = z.union([
  z.strictObject({
    decision: z.literal("approve"),
    codes: z.array(TimedCodeSchema).min(1).max(3),
    /** Required when the device has a passkey: see PasskeyAssertion. */
    assertion: PasskeyAssertion.optional(),
  }),
  z.strictObject({
    decision: z.literal("approve"),
    jwe: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){4}$/, "jwe must be compact serialization")
      .max(16_384),
    /**
     * The approver covered the rest of the run: the JWE holds codes up to
     * this time (ms since epoch), at most `run.seconds` after the request.
     */
    runUntil: z.number().int().positive().optional(),
    /** Required when the device has a passkey: see PasskeyAssertion. */
    assertion: PasskeyAssertion.optional(),
  }),
  z.strictObject({
    decision: z.literal("approve"),
    /** A `web` challenge: the approver opened the registry's page (nothing secret travels). */
    opened: z.literal(true),
  }),
  z.strictObject({
    decision: z.literal("deny"),
    /** Also pause the link so it stops notifying until resumed. */
    pauseLink: z.boolean().optional(),
  }),
]);
export type AnswerBody = z.infer<typeof AnswerBody>;

export interface AnswerResult {
  status: RequestStatus;
  answeredBy: AnsweredBy;
}

export type AuditOutcome =
  | "pending"
  | "approved"
  | "denied"
  | "expired"
  | "delivered"
  | "policy_refused"
  | "rate_limited"
  | "paused";

/** One row of an account's history. */
export interface AuditEntry {
  id: string;
  requestId: string | null;
  at: number;
  linkId: string;
  linkName: string;
  package: PackageInfo | null;
  claimed: CiContext | null;
  verified: Record<string, string> | null;
  requester: Requester;
  outcome: AuditOutcome;
  answeredBy: AnsweredBy | null;
  message: string | null;
  /** What the registry was asked to do (read from the challenged request); null or absent: not known. */
  operation?: RegistryOperation | null;
  /** `web` when the registry asked for its passkey page; absent: a code. */
  challenge?: "otp" | "web";
  /** The approver covered the rest of the run until this time (ms since epoch). */
  runUntil?: number | null;
  /**
   * A refusal (no `requestId`) stands for this many identical calls: same
   * link, outcome and message within one minute. Absent: one.
   */
  count?: number;
  /** The last of those calls (ms since epoch); absent with one. */
  lastAt?: number;
}

// ---------------------------------------------------------------- push

/**
 * What a Web Push message carries (encrypted, aes128gcm). Never a seed or a
 * code: only what the notification shows and the ids to fetch the rest.
 */
export type PushPayload =
  | {
      v: 1;
      type: "approval";
      requestId: string;
      accountId: string;
      title: string;
      body: string;
      expiresAt: number;
      /**
       * The answer needs the approval screen: a web challenge (the registry's
       * page is opened from there) or a run offer (the approver decides how
       * far the codes go). The notification then has no one-tap Approve.
       */
      needsScreen?: true;
      /**
       * Nothing in the request is verified (no OIDC token): everything shown
       * is claimed by CI. The app offers no one-tap Approve on the
       * notification for it unless the user allowed that in Settings.
       */
      unverified?: true;
    }
  | {
      v: 1;
      type: "answered";
      requestId: string;
      status: RequestStatus;
      answeredBy: string;
    }
  | {
      /** Who can answer changed: a recovery code was used, a device was paired or removed. */
      v: 1;
      type: "security";
      title: string;
      body: string;
      at: number;
    };

export interface HealthResponse {
  status: "ok";
  version: string;
  store: string;
  time: number;
}

export { APPROVAL_CHALLENGE_CONTEXT, type ApprovalAnswerContent, approvalChallenge } from "./approvalChallenge.js";
