/**
 * A local OIDC issuer on loopback that signs ID tokens shaped like the ones
 * GitHub Actions and GitLab CI give a job, for tests of verified CI identity.
 *
 * - Serves `GET /.well-known/openid-configuration` (discovery, with
 *   `jwks_uri`) and `GET /.well-known/jwks` (the public keys). Point the
 *   server at it with `COUNTERSIGN_OIDC_ISSUERS=<issuer>` (discovery) or
 *   `<issuer>=<jwksUrl>`; `requests` counts what was fetched.
 * - `signGitHubToken(overrides, options)` / `signGitLabToken(…)` sign a token
 *   with the current key, carrying every claim the real providers set
 *   (repository, workflow_ref, job_workflow_ref, run_id, runner_environment,
 *   … for GitHub; project_path, ci_config_ref_uri, job_id, pipeline_source, …
 *   for GitLab). Overrides replace claims; an override of `undefined` removes
 *   the claim. `githubClaims`/`gitlabClaims` return the claims without signing.
 * - `rotateKey()` replaces the signing key (new `kid`); the JWKS then
 *   publishes only the new key unless `keepOld` is set.
 * - `signWith(claims, method)` crafts bad tokens: `"wrong-key"` (signed by a
 *   stranger's key under the issuer's current `kid`: bad signature),
 *   `"unknown-kid"` (a stranger's key under a `kid` the JWKS lacks), `"none"`
 *   (`alg: none`, no signature), `"hs256-public-key"` (HS256 keyed with the
 *   issuer's public key PEM: the classic algorithm-confusion attack).
 * - `close()` stops the server.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { base64url, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";

export type IssuerAlgorithm = "RS256" | "ES256";

export type Claims = Record<string, unknown>;

export interface SignOptions {
  /** `aud`; default the issuer's `defaultAudience`. */
  audience?: string | string[];
  /** Issue time in ms since the epoch; default now. `iat`/`nbf`/`exp` follow from it. */
  now?: number;
  /** Seconds from `iat` to `exp`; default 300 (GitHub's tokens live about five minutes). */
  lifetimeSeconds?: number;
}

export type BadSignature = "wrong-key" | "unknown-kid" | "none" | "hs256-public-key";

export interface LocalOidcIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of every token. */
  issuer: string;
  /** Where the public keys are served. */
  jwksUrl: string;
  /** The `kid` of the current signing key. */
  readonly kid: string;
  /** How many times discovery and the JWKS were fetched. */
  requests: { discovery: number; jwks: number };
  githubClaims(overrides?: Claims, options?: SignOptions): Claims;
  gitlabClaims(overrides?: Claims, options?: SignOptions): Claims;
  signGitHubToken(overrides?: Claims, options?: SignOptions): Promise<string>;
  signGitLabToken(overrides?: Claims, options?: SignOptions): Promise<string>;
  /** Signs any claims with the current key. */
  sign(claims: Claims): Promise<string>;
  signWith(claims: Claims, method: BadSignature): Promise<string>;
  rotateKey(options?: { keepOld?: boolean }): Promise<void>;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(alg: IssuerAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  // Like GitHub's, the kid is derived from the key, so it is stable and unique.
  const kid = createHash("sha256").update(JSON.stringify(publicJwk)).digest("hex").slice(0, 32);
  return { kid, privateKey, publicKey, publicJwk: { ...publicJwk, kid, alg, use: "sig" } };
}

function applyOverrides(claims: Claims, overrides: Claims): Claims {
  const result: Claims = { ...claims };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}

function times(options: SignOptions): { iat: number; nbf: number; exp: number } {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  // GitHub sets nbf a few seconds before iat.
  return { iat, nbf: iat - 5, exp: iat + (options.lifetimeSeconds ?? 300) };
}

export async function startOidcIssuer(
  options: { alg?: IssuerAlgorithm; defaultAudience?: string } = {},
): Promise<LocalOidcIssuer> {
  const alg = options.alg ?? "RS256";
  let keys: SigningKey[] = [await newKey(alg)];
  const current = () => keys[keys.length - 1] as SigningKey;
  const requests = { discovery: 0, jwks: 0 };

  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(JSON.stringify(body));
    };
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET") return send(405, { error: "method not allowed" });
    if (path === "/.well-known/openid-configuration") {
      requests.discovery += 1;
      return send(200, {
        issuer,
        jwks_uri: jwksUrl,
        subject_types_supported: ["public", "pairwise"],
        response_types_supported: ["id_token"],
        id_token_signing_alg_values_supported: [alg],
        claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "workflow_ref"],
        scopes_supported: ["openid"],
      });
    }
    if (path === "/.well-known/jwks") {
      requests.jwks += 1;
      return send(200, { keys: keys.map((key) => key.publicJwk) });
    }
    return send(404, { error: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwksUrl = `${issuer}/.well-known/jwks`;
  const defaultAudience = options.defaultAudience ?? "http://localhost:8080";

  const githubClaims = (overrides: Claims = {}, signOptions: SignOptions = {}): Claims => {
    const repository = typeof overrides.repository === "string" ? overrides.repository : "owner/repo";
    const [owner] = repository.split("/");
    const ref = typeof overrides.ref === "string" ? overrides.ref : "refs/heads/main";
    // A job that calls no reusable workflow has job_workflow_ref equal to workflow_ref.
    const workflowRef =
      typeof overrides.workflow_ref === "string"
        ? overrides.workflow_ref
        : `${repository}/.github/workflows/release.yml@${ref}`;
    const sha = "a3c1f0e9b6d24c8f9e7d5b3a1c0e8f6d4b2a9c7e";
    return applyOverrides(
      {
        jti: randomUUID(),
        sub: `repo:${repository}:ref:${ref}`,
        aud: signOptions.audience ?? defaultAudience,
        ref,
        sha,
        repository,
        repository_owner: owner,
        repository_owner_id: "1234567",
        run_id: "9876543210",
        run_number: "42",
        run_attempt: "1",
        repository_visibility: "public",
        repository_id: "7654321",
        actor_id: "1234567",
        actor: "octocat",
        workflow: "Release",
        head_ref: "",
        base_ref: "",
        event_name: "push",
        ref_protected: "true",
        ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
        workflow_ref: workflowRef,
        workflow_sha: sha,
        job_workflow_ref: workflowRef,
        job_workflow_sha: sha,
        runner_environment: "github-hosted",
        check_run_id: "31415926535",
        iss: issuer,
        ...times(signOptions),
      },
      overrides,
    );
  };

  const gitlabClaims = (overrides: Claims = {}, signOptions: SignOptions = {}): Claims => {
    const projectPath = typeof overrides.project_path === "string" ? overrides.project_path : "group/project";
    const [namespace] = projectPath.split("/");
    const refType = typeof overrides.ref_type === "string" ? overrides.ref_type : "branch";
    const ref = typeof overrides.ref === "string" ? overrides.ref : "main";
    const refPath = `refs/${refType === "tag" ? "tags" : "heads"}/${ref}`;
    const host = new URL(issuer).host;
    const sha = "5d8e2b7c4a1f9e3d6b0c8a2e4f7d1b9c3e5a7f0d";
    return applyOverrides(
      {
        namespace_id: "72",
        namespace_path: namespace,
        project_id: "20",
        project_path: projectPath,
        user_id: "5",
        user_login: "maintainer",
        user_email: "maintainer@example.com",
        user_access_level: "maintainer",
        pipeline_id: "1212",
        pipeline_source: "push",
        job_id: "3434",
        ref,
        ref_type: refType,
        ref_path: refPath,
        ref_protected: "true",
        runner_id: 12270857,
        runner_environment: "gitlab-hosted",
        sha,
        project_visibility: "public",
        ci_config_ref_uri: `${host}/${projectPath}//.gitlab-ci.yml@${refPath}`,
        ci_config_sha: sha,
        jti: randomUUID(),
        iss: issuer,
        sub: `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`,
        aud: signOptions.audience ?? defaultAudience,
        ...times(signOptions),
      },
      overrides,
    );
  };

  const sign = (claims: Claims) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid: current().kid, typ: "JWT" }).sign(current().privateKey);

  const signWith = async (claims: Claims, method: BadSignature): Promise<string> => {
    switch (method) {
      case "wrong-key": {
        const stranger = await newKey(alg);
        return new SignJWT(claims)
          .setProtectedHeader({ alg, kid: current().kid, typ: "JWT" })
          .sign(stranger.privateKey);
      }
      case "unknown-kid": {
        const stranger = await newKey(alg);
        return new SignJWT(claims).setProtectedHeader({ alg, kid: stranger.kid, typ: "JWT" }).sign(stranger.privateKey);
      }
      case "none": {
        const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
        return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
      }
      case "hs256-public-key": {
        const secret = new TextEncoder().encode(await exportSPKI(current().publicKey));
        return new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: current().kid, typ: "JWT" }).sign(secret);
      }
    }
  };

  return {
    issuer,
    jwksUrl,
    get kid() {
      return current().kid;
    },
    requests,
    githubClaims,
    gitlabClaims,
    signGitHubToken: (overrides, signOptions) => sign(githubClaims(overrides, signOptions)),
    signGitLabToken: (overrides, signOptions) => sign(gitlabClaims(overrides, signOptions)),
    sign,
    signWith,
    async rotateKey(rotateOptions = {}) {
      const next = await newKey(alg);
      keys = rotateOptions.keepOld ? [...keys, next] : [next];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
