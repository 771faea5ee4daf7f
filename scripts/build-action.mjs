#!/usr/bin/env node
// `npm run build:action`: bundles the GitHub Action (action/src, with the CLI's code) into
// action/dist/index.js, which action.yml runs and which is committed: GitHub runs an action
// from the repository as it is, without installing anything. `.ci/run` rebuilds it and fails
// when the committed file differs from the source.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "../cli/scripts/bundle.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "action/dist/index.js");
mkdirSync(dirname(outfile), { recursive: true });
const version = await bundle({ entry: 'import "./src/main.ts";\n', resolveDir: join(root, "action"), outfile });
process.stdout.write(`countersign action ${version}: ${outfile}\n`);
