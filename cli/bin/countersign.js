#!/usr/bin/env node
// The `countersign` bin, committed as plain JavaScript rather than built:
// - checkNode.js runs before any module of the CLI, so an old Node gets one clear line;
// - it exists in a fresh clone, so `npm install` links the bin before anything is built
//   (npm links no bin whose file is missing at install time).
import "./checkNode.js";
import { existsSync } from "node:fs";

const entry = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("countersign: the CLI is not built; run `npm run build` at the repository root.\n");
  process.exit(1);
}
await import(entry.href);
