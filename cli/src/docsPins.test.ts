import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

/** Where users copy a command that runs the CLI from the registry. */
const RECIPES = [
  "docs/cli.md",
  "docs/recipes.md",
  "docs/clients.md",
  "docs/oidc.md",
  "docs/app.md",
  "docs/github-action.md",
  "cli/README.md",
  "web/src/ui/account/recipes.ts",
];

/** README.md's "Use it from CI", the section users copy from. */
function readmeRecipes(): string {
  const readme = read("README.md");
  const start = readme.indexOf("## Use it from CI");
  return readme.slice(start, readme.indexOf("\n## ", start + 1));
}

describe("recipes", () => {
  it("run the CLI from the registry only pinned to the version this repository would publish", () => {
    const { version } = JSON.parse(read("cli/package.json")) as { version: string };
    for (const [path, text] of [...RECIPES.map((path) => [path, read(path)]), ["README.md", readmeRecipes()]]) {
      // `npx countersign` without a version runs whatever is newest on the registry that day.
      const unpinned = text?.match(/npx (-y )?countersign(?!@)\b[^\n]*/g) ?? [];
      expect(unpinned, path).toEqual([]);
      for (const [, pinned] of text?.matchAll(/countersign@(\d+\.\d+\.\d+[^\s`"]*)/g) ?? []) {
        expect(pinned, path).toBe(version);
      }
    }
  });
});
