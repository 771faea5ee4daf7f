#!/usr/bin/env node
// `npm run build:single -w cli`: the CLI as one file users can fetch and check, with no
// node_modules: dist-single/countersign.mjs and its SHA-256 beside it, in sha256sum's
// format (`sha256sum -c countersign.mjs.sha256`). The release workflow attaches both.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundle, CLI_DIR } from "./bundle.mjs";

const out = join(CLI_DIR, "dist-single");
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
const file = join(out, "countersign.mjs");
// checkNode.js first: on an old Node it stops with one line before any bundled module runs.
const version = await bundle({
  entry: 'import "./bin/checkNode.js";\nimport "./src/bin.ts";\n',
  resolveDir: CLI_DIR,
  outfile: file,
  banner: "#!/usr/bin/env node",
});
const sha256 = createHash("sha256").update(readFileSync(file)).digest("hex");
writeFileSync(`${file}.sha256`, `${sha256}  countersign.mjs\n`);
process.stdout.write(`countersign ${version}: ${file}\nsha256 ${sha256}\n`);
