import type { ScannedBody } from "./scanJsonBody.js";

export type RegistryAction =
  | "publish"
  | "unpublish"
  | "deprecate"
  | "dist-tag-add"
  | "dist-tag-rm"
  | "owner-change"
  | "access"
  | "token"
  | "profile"
  | "other";

/**
 * What the registry is being asked to do, read from the request itself. The
 * server's schema (`RegistryOperation` in @countersign/shared) is strict, so
 * anything that does not fit its rules (a legacy package name, an odd tag) is
 * left out rather than sent.
 */
export interface RegistryOperation {
  action: RegistryAction;
  registry: string;
  method: "PUT" | "DELETE" | "POST" | "PATCH" | "GET";
  path: string;
  package?: { name: string; version?: string };
  tag?: string;
  tarball?: { size: number; integrity: string };
  access?: "public" | "restricted";
  maintainers?: string[];
}

const NPM_PACKAGE_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;
const SEMVER_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const TAG = /^[A-Za-z0-9._~-]{1,128}$/;
const USER = /^[A-Za-z0-9._~-]{1,214}$/;
const METHODS = new Set(["PUT", "DELETE", "POST", "PATCH", "GET"]);

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function packageOf(name: string | undefined, version?: unknown): RegistryOperation["package"] {
  if (!name || name.length > 214 || !NPM_PACKAGE_NAME.test(name)) return undefined;
  return typeof version === "string" && version.length <= 128 && SEMVER_VERSION.test(version)
    ? { name, version }
    : { name };
}

function valueAt(body: ScannedBody | undefined, ...path: string[]): unknown {
  return body?.values.find((entry) => entry.path.join("\u0000") === path.join("\u0000"))?.value;
}

/** The package name a path starts with: `foo`, `@scope/foo` (npm sends the slash as %2f). */
function splitName(segments: string[]): { name: string; rest: string[] } | undefined {
  const [first, second, ...more] = segments;
  if (!first) return undefined;
  if (first.startsWith("@") && first.includes("/")) return { name: first, rest: segments.slice(1) };
  if (first.startsWith("@") && second) return { name: `${first}/${second}`, rest: more };
  return { name: first, rest: segments.slice(1) };
}

function readPublish(name: string, body: ScannedBody): Partial<RegistryOperation> {
  const version = body.keys.find((key) => key.length === 2 && key[0] === "versions")?.[1];
  const tagEntry = body.values.find((entry) => entry.path.length === 2 && entry.path[0] === "dist-tags");
  const [file, tarball] = [...body.attachments.entries()][0] ?? [];
  const access = valueAt(body, "access");
  const tag = tagEntry?.path[1];
  return {
    package: packageOf(name, version),
    ...(tag && TAG.test(tag) ? { tag } : {}),
    ...(file !== undefined && tarball
      ? { tarball: { size: tarball.size, integrity: `sha512-${tarball.sha512}` } }
      : {}),
    ...(access === "public" || access === "restricted" ? { access } : {}),
  };
}

function maintainersOf(body: ScannedBody): string[] {
  return body.values
    .filter((entry) => entry.path.length === 3 && entry.path[0] === "maintainers" && entry.path[2] === "name")
    .map((entry) => String(entry.value))
    .filter((user) => USER.test(user))
    .slice(0, 50);
}

/**
 * Names what a registry request does, from its method, its path under the
 * registry's root (`/foo`, `/-/package/foo/dist-tags/latest`) and what the
 * body scanner kept of it.
 */
export function readOperation(request: Parameters<typeof classify>[0]): RegistryOperation {
  return Object.fromEntries(
    Object.entries(classify(request)).filter(([, value]) => value !== undefined),
  ) as unknown as RegistryOperation;
}

function classify(request: {
  method: string;
  /** The path and query under the registry's root, as the client sent it. */
  path: string;
  registryHost: string;
  body?: ScannedBody;
}): RegistryOperation {
  const method = (METHODS.has(request.method) ? request.method : "POST") as RegistryOperation["method"];
  const rawPath = request.path.split("?")[0] ?? "/";
  const decoded = rawPath.split("/").map(safeDecode).join("/");
  // Shown as sent when decoding would show anything but printable ASCII (bidi controls, look-alikes).
  const printable = /^\/[\x21-\x7e]*$/.test(decoded) ? decoded : rawPath.replace(/[^\x21-\x7e]/gu, encodeURIComponent);
  const path = printable.slice(0, 500);
  const base = { registry: request.registryHost.toLowerCase(), method, path };
  const body = request.body?.complete ? request.body : undefined;
  const segments = rawPath.split("/").filter(Boolean).map(safeDecode);

  if (segments[0] === "-") {
    const [, area, ...rest] = segments;
    if (area === "package") {
      const split = splitName(rest);
      const [what, tag] = split?.rest ?? [];
      if (split && what === "dist-tags" && tag !== undefined) {
        const version = valueAt(body);
        const action = method === "DELETE" ? "dist-tag-rm" : "dist-tag-add";
        return {
          action,
          ...base,
          package: packageOf(split.name, action === "dist-tag-add" ? version : undefined),
          ...(TAG.test(tag) ? { tag } : {}),
        };
      }
      if (split && (what === "access" || what === "collaborators")) {
        const access = valueAt(body, "access");
        return {
          action: "access",
          ...base,
          package: packageOf(split.name),
          ...(access === "public" || access === "restricted" ? { access } : {}),
        };
      }
    }
    if (area === "org" || area === "team") return { action: "access", ...base };
    if (area === "npm" && rest[0] === "v1" && rest[1] === "tokens") return { action: "token", ...base };
    if (area === "npm" && rest[0] === "v1" && rest[1] === "user") return { action: "profile", ...base };
    return { action: "other", ...base };
  }

  const split = splitName(segments);
  if (!split) return { action: "other", ...base };
  const revision = split.rest.includes("-rev");
  if (method === "PUT" && split.rest.length === 0 && body && body.attachments.size > 0) {
    return { action: "publish", ...base, ...readPublish(split.name, body) };
  }
  if (method === "PUT" && revision && body) {
    const topKeys = body.keys.filter((key) => key.length === 1).map((key) => key[0]);
    if (topKeys.every((key) => key === "_id" || key === "_rev" || key === "maintainers")) {
      return { action: "owner-change", ...base, package: packageOf(split.name), maintainers: maintainersOf(body) };
    }
    return { action: "unpublish", ...base, package: packageOf(split.name) };
  }
  if (method === "DELETE" && revision) return { action: "unpublish", ...base, package: packageOf(split.name) };
  if (method === "PUT" && split.rest.length === 0)
    return { action: "deprecate", ...base, package: packageOf(split.name) };
  return { action: "other", ...base };
}
