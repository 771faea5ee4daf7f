import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface PackageInfo {
  name: string;
  version?: string;
}

/**
 * Splits `name@version` where the name may be scoped (`@scope/name@1.2.3`);
 * a spec without a version gives the name alone. Undefined if there is no name.
 */
export function parsePackageSpec(spec: string): PackageInfo | undefined {
  const text = spec.trim();
  const at = text.lastIndexOf("@");
  const name = (at > 0 ? text.slice(0, at) : text).trim();
  const version = at > 0 ? text.slice(at + 1).trim() : "";
  if (!name || name === "@" || name.length > 214) return undefined;
  return version ? { name, version: version.slice(0, 128) } : { name };
}

/** Name and version from `<dir>/package.json`, or undefined when there is none or it has no name. */
export async function readPackageJson(dir: string): Promise<PackageInfo | undefined> {
  let raw: string;
  try {
    raw = await readFile(join(dir, "package.json"), "utf8");
  } catch {
    return undefined;
  }
  try {
    const json = JSON.parse(raw) as { name?: unknown; version?: unknown };
    if (typeof json.name !== "string" || !json.name.trim()) return undefined;
    const name = json.name.trim().slice(0, 214);
    return typeof json.version === "string" && json.version.trim()
      ? { name, version: json.version.trim().slice(0, 128) }
      : { name };
  } catch {
    return undefined;
  }
}
