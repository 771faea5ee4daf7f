#!/usr/bin/env node
import { runCli } from "./runCli.js";

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
});
