import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WorkspacePackage {
  name: string;
  version: string;
  scripts?: Record<string, string>;
}

/** A script that sleeps, for `prepublishOnly`: a slow build before the upload. */
export function sleepScript(seconds: number): string {
  return `node -e "setTimeout(() => {}, ${seconds * 1000})"`;
}

function writeJson(file: string, value: unknown) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A throwaway monorepo: a private root with npm workspaces under
 * `packages/<dir>`, the given `.npmrc`, and any extra files (paths relative
 * to the root). Returns the root.
 */
export function makeWorkspace(options: {
  npmrc: string;
  packages: WorkspacePackage[];
  root?: Record<string, unknown>;
  files?: Record<string, string>;
}): string {
  const dir = mkdtempSync(join(tmpdir(), "countersign-release-"));
  writeJson(join(dir, "package.json"), {
    name: "release-root",
    private: true,
    workspaces: ["packages/*"],
    ...options.root,
  });
  writeFileSync(join(dir, ".npmrc"), options.npmrc);
  for (const pkg of options.packages) {
    const at = join(dir, "packages", pkg.name.replace(/^@[^/]+\//, ""));
    mkdirSync(at, { recursive: true });
    writeJson(join(at, "package.json"), {
      name: pkg.name,
      version: pkg.version,
      description: "e2e",
      license: "MIT",
      files: ["index.js"],
      ...(pkg.scripts ? { scripts: pkg.scripts } : {}),
    });
    writeFileSync(join(at, "index.js"), `module.exports = ${JSON.stringify(pkg.name)};\n`);
  }
  for (const [path, text] of Object.entries(options.files ?? {})) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Identity and defaults for git in tests: no user config is read. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: "Alice",
  GIT_AUTHOR_EMAIL: "alice@example.com",
  GIT_COMMITTER_NAME: "Alice",
  GIT_COMMITTER_EMAIL: "alice@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

/** `git …` in `cwd`, synchronously; returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: "utf8" });
}

/** Makes `dir` a git repository on `main` with everything committed, pushed to a local bare `origin`. */
export function commitAll(dir: string, message: string, options: { origin?: boolean } = {}): void {
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(join(dir, ".gitignore"), "node_modules/\n.npm-cache/\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
  if (options.origin) {
    const bare = mkdtempSync(join(tmpdir(), "countersign-origin-"));
    git(bare, "init", "-q", "--bare", "-b", "main");
    git(dir, "remote", "add", "origin", bare);
    git(dir, "push", "-q", "origin", "main");
  }
}
