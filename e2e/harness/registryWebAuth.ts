/**
 * The registry harness's own passkey pages, standing in for npmjs.com's:
 * `/register/<user>` registers a credential for a webauthn account, and
 * `/auth/cli/<authId>` (the `authUrl` of a web challenge) asks for it with
 * `navigator.credentials.get`. Both are plain HTML + JS posting the
 * credential back; @simplewebauthn/server verifies it (origin, RP ID
 * `localhost`, challenge, user verification, counter).
 */
import { randomBytes } from "node:crypto";
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";

/** How long an authUrl can be used, and its token presented after it was fetched from doneUrl. */
export const WEB_AUTH_TTL_MS = 5 * 60_000;

export type WebAuthState = "pending" | "verified" | "delivered";

interface WebAuthSession {
  user: string;
  createdAt: number;
  state: WebAuthState;
  challenge?: string;
  token?: string;
  tokenUsed?: boolean;
}

/** Passkeys of the webauthn accounts and the web challenges in flight. */
export class WebAuthenticator {
  private readonly credentials = new Map<string, WebAuthnCredential>();
  private readonly registrations = new Map<string, string>();
  private readonly sessions = new Map<string, WebAuthSession>();

  constructor(
    private readonly origin: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  hasCredential(user: string): boolean {
    return this.credentials.has(user);
  }

  /** Starts a web challenge for `user`: the id its authUrl and doneUrl carry. */
  startSession(user: string): string {
    const authId = randomBytes(16).toString("hex");
    this.sessions.set(authId, { user, createdAt: this.now(), state: "pending" });
    return authId;
  }

  session(authId: string): WebAuthSession | undefined {
    const session = this.sessions.get(authId);
    if (session && this.now() - session.createdAt > WEB_AUTH_TTL_MS) {
      this.sessions.delete(authId);
      return undefined;
    }
    return session;
  }

  /** doneUrl: the token once the passkey was verified, exactly once; `pending` before. */
  collect(authId: string, user: string): { status: "pending" } | { status: "done"; token: string } | null {
    const session = this.session(authId);
    if (!session || session.user !== user || session.state === "delivered") return null;
    if (session.state === "pending") return { status: "pending" };
    session.state = "delivered";
    session.token = randomBytes(24).toString("base64url");
    return { status: "done", token: session.token };
  }

  /** Accepts a doneUrl token as `npm-otp` once, for its user, within the TTL. */
  redeem(user: string, token: string): boolean {
    for (const session of this.sessions.values()) {
      if (session.token !== token || session.user !== user || session.tokenUsed) continue;
      if (this.now() - session.createdAt > WEB_AUTH_TTL_MS) return false;
      session.tokenUsed = true;
      return true;
    }
    return false;
  }

  async registrationOptions(user: string) {
    const options = await generateRegistrationOptions({
      rpName: "Harness registry",
      rpID: new URL(this.origin()).hostname,
      userName: user,
      attestationType: "none",
      authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    });
    this.registrations.set(user, options.challenge);
    return options;
  }

  async register(user: string, response: RegistrationResponseJSON): Promise<boolean> {
    const challenge = this.registrations.get(user);
    this.registrations.delete(user);
    if (!challenge) return false;
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: this.origin(),
      expectedRPID: new URL(this.origin()).hostname,
      requireUserVerification: true,
    });
    if (!result.verified) return false;
    this.credentials.set(user, result.registrationInfo.credential);
    return true;
  }

  async authenticationOptions(authId: string) {
    const session = this.session(authId);
    const credential = session && this.credentials.get(session.user);
    if (session?.state !== "pending" || !credential) return null;
    const options = await generateAuthenticationOptions({
      rpID: new URL(this.origin()).hostname,
      allowCredentials: [{ id: credential.id, transports: credential.transports }],
      userVerification: "required",
    });
    session.challenge = options.challenge;
    return options;
  }

  async authenticate(authId: string, response: AuthenticationResponseJSON): Promise<boolean> {
    const session = this.session(authId);
    const credential = session && this.credentials.get(session.user);
    if (!session?.challenge || session.state !== "pending" || !credential) return false;
    const challenge = session.challenge;
    session.challenge = undefined;
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: this.origin(),
      expectedRPID: new URL(this.origin()).hostname,
      credential,
      requireUserVerification: true,
    }).catch(() => ({ verified: false as const, authenticationInfo: undefined }));
    if (!result.verified) return false;
    credential.counter = result.authenticationInfo.newCounter;
    session.state = "verified";
    return true;
  }
}

const PAGE_SCRIPT = `
const b64 = {
  decode: (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=")), (c) => c.charCodeAt(0)).buffer,
  encode: (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""),
};
const status = document.getElementById("status");
async function post(url, body) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return response.ok;
}
`;

function page(title: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1><button id="go" type="button">Continue</button><p id="status" role="status"></p>
<script type="module">${PAGE_SCRIPT}${script}</script></body></html>`;
}

/** `/register/<user>`: creates a passkey for the account. */
export function registerPage(user: string): string {
  const base = `/-/harness/webauthn/register/${encodeURIComponent(user)}`;
  return page(
    `Add a security key for ${user}`,
    `
document.getElementById("go").addEventListener("click", async () => {
  const options = await (await fetch("${base}/options")).json();
  const credential = await navigator.credentials.create({ publicKey: {
    ...options,
    challenge: b64.decode(options.challenge),
    user: { ...options.user, id: b64.decode(options.user.id) },
    excludeCredentials: [],
  } });
  const ok = await post("${base}", {
    id: credential.id, rawId: b64.encode(credential.rawId), type: credential.type,
    response: {
      clientDataJSON: b64.encode(credential.response.clientDataJSON),
      attestationObject: b64.encode(credential.response.attestationObject),
      transports: credential.response.getTransports(),
    },
    clientExtensionResults: {},
  });
  status.textContent = ok ? "Security key added" : "Security key refused";
});`,
  );
}

/** `/auth/cli/<authId>`: the authUrl a web challenge names. */
export function authPage(authId: string): string {
  const base = `/-/harness/webauthn/auth/${authId}`;
  return page(
    "Authenticate your account",
    `
document.getElementById("go").addEventListener("click", async () => {
  const response = await fetch("${base}/options");
  if (!response.ok) { status.textContent = "This link has expired"; return; }
  const options = await response.json();
  const credential = await navigator.credentials.get({ publicKey: {
    ...options,
    challenge: b64.decode(options.challenge),
    allowCredentials: options.allowCredentials.map((entry) => ({ ...entry, id: b64.decode(entry.id) })),
  } });
  const ok = await post("${base}", {
    id: credential.id, rawId: b64.encode(credential.rawId), type: credential.type,
    response: {
      clientDataJSON: b64.encode(credential.response.clientDataJSON),
      authenticatorData: b64.encode(credential.response.authenticatorData),
      signature: b64.encode(credential.response.signature),
      userHandle: credential.response.userHandle ? b64.encode(credential.response.userHandle) : undefined,
    },
    clientExtensionResults: {},
  });
  status.textContent = ok ? "Authenticated: you can close this page" : "Authentication failed";
});`,
  );
}
