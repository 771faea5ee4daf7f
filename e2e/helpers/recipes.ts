/**
 * Reads the recipes a user copies, as a test runs them.
 *
 * In README.md and docs/*.md, every fenced block is marked by the HTML comment
 * on the line before it:
 * - `<!-- recipe: <id> -->`: a recipe the tests run — a CI configuration
 *   (GitHub Actions steps or a GitLab job, `yaml`) or commands (`sh`);
 * - `<!-- recipe-file: <id> <path> -->`: a file that recipe's project holds;
 * - `<!-- not-a-recipe: <reason> -->`: output, a payload, a diagram or a
 *   command no test can run here, and why.
 * An unmarked block is a defect (`unmarkedBlocks`): a recipe could change
 * without a test noticing. The app's own recipes (web/src/ui/account/recipes.ts,
 * shown on a new link) are read with `appRecipes`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { ciRecipes } from "../../web/src/ui/account/recipes.js";
import { REPO_ROOT } from "./paths.js";

export interface Recipe {
  id: string;
  /** Where it is written: a path from the repository root, or `app` for the app's recipes. */
  source: string;
  /** The fence's language: `yaml`, `sh`. */
  lang: string;
  /** The block as written. */
  text: string;
  /** Files the doc gives for this recipe's project, by path. */
  files: Record<string, string>;
}

export type CiStep =
  | { kind: "uses"; uses: string; with: Record<string, string> }
  | { kind: "run"; run: string; env: Record<string, string> };

/** README.md and every docs/*.md: the files whose fenced blocks must be marked. */
export const DOC_FILES = [
  join(REPO_ROOT, "README.md"),
  ...readdirSync(join(REPO_ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join(REPO_ROOT, "docs", name)),
];

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  /** The marker comment on the line before the fence, if any. */
  marker: string | null;
}

function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*([\w-]*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[2] as string;
    let end = i + 1;
    while (end < lines.length && (lines[end] as string).trim() !== fence) end++;
    const before = i > 0 ? (lines[i - 1] as string).trim() : "";
    blocks.push({
      line: i + 1,
      lang: open[3] ?? "",
      text: lines.slice(i + 1, end).join("\n"),
      marker: /^<!--.*-->$/.test(before) ? before : null,
    });
    i = end;
  }
  return blocks;
}

const RECIPE = /^<!--\s*recipe(-file)?:\s*(\S+)(?:\s+(\S+))?\s*-->$/;
const NOT_A_RECIPE = /^<!--\s*not-a-recipe:\s*(\S.*\S)\s*-->$/;

/** Every recipe of a markdown file, in order. */
export function readRecipes(file: string): Recipe[] {
  const source = relative(REPO_ROOT, file);
  const recipes: Recipe[] = [];
  for (const block of fencedBlocks(readFileSync(file, "utf8"))) {
    const match = block.marker ? RECIPE.exec(block.marker) : null;
    if (!match) continue;
    const [, isFile, id, path] = match as unknown as [string, string | undefined, string, string | undefined];
    if (!isFile) {
      recipes.push({ id, source, lang: block.lang, text: block.text, files: {} });
      continue;
    }
    const owner = recipes.find((recipe) => recipe.id === id);
    if (!owner || !path) throw new Error(`recipe-file ${id} ${path} comes before its recipe or names no path`);
    owner.files[path] = `${block.text}\n`;
  }
  return recipes;
}

/** Fenced blocks marked neither as a recipe nor as not one (with a reason): `file:line`. */
export function unmarkedBlocks(files: string[] = DOC_FILES): string[] {
  const unmarked: string[] = [];
  for (const file of files) {
    for (const block of fencedBlocks(readFileSync(file, "utf8"))) {
      if (block.marker && (RECIPE.test(block.marker) || NOT_A_RECIPE.test(block.marker))) continue;
      unmarked.push(`${relative(REPO_ROOT, file)}:${block.line}`);
    }
  }
  return unmarked;
}

/**
 * The recipes the app shows on a new link, for a server at `origin`: ids are
 * `app-` and the title in kebab case; CI configurations are `yaml`, the rest `sh`.
 */
export function appRecipes(origin?: string): Recipe[] {
  return ciRecipes(origin).map((recipe) => {
    const id = `app-${recipe.title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
    const lang = /^(#.*\n)*(- |\w[\w-]*:\s*\n)/.test(recipe.text) ? "yaml" : "sh";
    return { id, source: "app", lang, text: recipe.text, files: {} };
  });
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

/** The parsed GitLab job of a recipe, or null when it is a GitHub Actions configuration. */
export function gitlabJob(
  recipe: Recipe,
): { script: string[]; id_tokens?: Record<string, { aud?: string | string[] }> } | null {
  const document = parse(dedent(recipe.text)) as unknown;
  if (Array.isArray(document)) return null;
  const record = document as Record<string, unknown>;
  if (record.jobs || record.steps) return null;
  const job = Object.values(record)[0] as { script?: string[] } | undefined;
  return job?.script ? (job as ReturnType<typeof gitlabJob>) : null;
}

/**
 * The steps CI runs for a recipe: a GitHub Actions workflow (its first job),
 * a bare `steps:` list, a list of steps, or a GitLab job (its `script:`
 * lines, as run steps).
 */
export function ciSteps(recipe: Recipe): CiStep[] {
  const document = parse(dedent(recipe.text)) as unknown;
  const record = (Array.isArray(document) ? {} : document) as Record<string, unknown>;
  const jobs = record.jobs as Record<string, { steps: unknown[] }> | undefined;
  const steps = Array.isArray(document)
    ? document
    : ((jobs ? Object.values(jobs)[0]?.steps : (record.steps as unknown[] | undefined)) ?? undefined);
  if (steps) {
    return steps.map((raw) => {
      const step = raw as Record<string, unknown>;
      if (typeof step.uses === "string") return { kind: "uses", uses: step.uses, with: strings(step.with) };
      if (typeof step.run === "string") return { kind: "run", run: step.run, env: strings(step.env) };
      throw new Error(`a step that neither uses nor runs: ${JSON.stringify(step)}`);
    });
  }
  const job = gitlabJob(recipe);
  if (!job) throw new Error(`recipe ${recipe.id} has neither steps nor a script`);
  return job.script.map((line) => ({ kind: "run", run: line, env: {} }));
}
