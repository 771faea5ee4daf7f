/**
 * Reads the recipes in docs/recipes.md as a test runs them: each fenced
 * block after a `<!-- recipe: <id> -->` comment is a CI configuration
 * (GitHub Actions steps or a GitLab job), and each block after
 * `<!-- recipe-file: <id> <path> -->` is a file that recipe's project holds.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface Recipe {
  id: string;
  /** The block as written. */
  text: string;
  /** Files the doc gives for this recipe's project, by path. */
  files: Record<string, string>;
}

export type CiStep =
  | { kind: "uses"; uses: string; with: Record<string, string> }
  | { kind: "run"; run: string; env: Record<string, string> };

const MARKER = /<!--\s*recipe(-file)?:\s*(\S+)(?:\s+(\S+))?\s*-->\s*\n```[a-z]*\n([\s\S]*?)\n```/g;

/** Every recipe of the file, in order. */
export function readRecipes(file: string): Recipe[] {
  const markdown = readFileSync(file, "utf8");
  const recipes: Recipe[] = [];
  for (const match of markdown.matchAll(MARKER)) {
    const [, isFile, id, path, text] = match as unknown as [string, string | undefined, string, string, string];
    if (!isFile) {
      recipes.push({ id, text, files: {} });
      continue;
    }
    const owner = recipes.find((recipe) => recipe.id === id);
    if (!owner || !path) throw new Error(`recipe-file ${id} ${path} comes before its recipe or names no path`);
    owner.files[path] = `${text}\n`;
  }
  return recipes;
}

function dedent(text: string): string {
  const indent = Math.min(
    ...text
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => /^ */.exec(line)?.[0].length ?? 0),
  );
  return text
    .split("\n")
    .map((line) => line.slice(indent))
    .join("\n");
}

function strings(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/**
 * The steps CI runs for a recipe: a GitHub Actions workflow (its first job),
 * a bare `steps:` list, or a GitLab job (its `script:` lines, as run steps).
 */
export function ciSteps(recipe: Recipe): CiStep[] {
  const document = parse(dedent(recipe.text)) as Record<string, unknown>;
  const jobs = document.jobs as Record<string, { steps: unknown[] }> | undefined;
  const steps = (jobs ? Object.values(jobs)[0]?.steps : (document.steps as unknown[] | undefined)) ?? undefined;
  if (steps) {
    return steps.map((raw) => {
      const step = raw as Record<string, unknown>;
      if (typeof step.uses === "string") return { kind: "uses", uses: step.uses, with: strings(step.with) };
      if (typeof step.run === "string") return { kind: "run", run: step.run, env: strings(step.env) };
      throw new Error(`a step that neither uses nor runs: ${JSON.stringify(step)}`);
    });
  }
  const job = Object.values(document)[0] as { script?: string[] } | undefined;
  if (!job?.script) throw new Error(`recipe ${recipe.id} has neither steps nor a script`);
  return job.script.map((line) => ({ kind: "run", run: line, env: {} }));
}
