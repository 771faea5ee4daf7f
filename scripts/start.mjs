#!/usr/bin/env node
// `npm start`: build what is missing or out of date, then run the standalone
// server (embedded SQLite) in the foreground. Ctrl-C stops it cleanly.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const at = (...parts) => join(root, ...parts);

/** Newest modification time under the given files and folders (0 when none exist). */
function newest(paths) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== "node_modules" && entry !== "dist") visit(join(path, entry));
    } else {
      latest = Math.max(latest, stat.mtimeMs);
    }
  };
  for (const path of paths) visit(path);
  return latest;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`countersign: "${command} ${args.join(" ")}" failed; fix the error above and run npm start again.`);
    process.exit(result.status ?? 1);
  }
}

const serverEntry = at("functions", "dist", "standalone", "main.js");
const serverSources = [at("shared", "src"), at("functions", "src"), at("cli", "src")];
if (!existsSync(serverEntry) || newest(serverSources) > newest([at("functions", "dist")])) {
  console.error("countersign: building the server…");
  run("npx", ["--no-install", "tsc", "-b"]);
}

const webIndex = at("web", "dist", "index.html");
const webSources = [
  at("web", "src"),
  at("web", "public"),
  at("web", "build"),
  ...["page", "index", "pair", "approve", "shell"].map((page) => at("web", `${page}.html`)),
  at("web", "vite.config.ts"),
  at("shared", "src"),
];
if (!existsSync(webIndex) || newest(webSources) > statSync(webIndex).mtimeMs) {
  console.error("countersign: building the app…");
  run("npm", ["run", "build", "--silent", "-w", "web"]);
}

const server = spawn(process.execPath, [serverEntry, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
// Ctrl-C reaches the whole process group; the server handles it and we wait for it to finish.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (server.exitCode === null) server.kill(signal);
  });
}
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
