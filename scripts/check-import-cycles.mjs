#!/usr/bin/env node
// Fails when two or more source files import each other, directly or round a
// longer loop. Reads the relative imports of every .ts/.tsx/.mts file under the
// workspaces (node_modules, dist and lib skipped). Static imports and
// re-exports count, `import type` too: it leaves no trace at run time, but a
// loop of files that need each other is the untidiness this check is for.
// A dynamic `import("./x.js")` does not count: it loads a module on demand
// (the app's screen table loads screens that link back to it), which is the
// one way a module may reach back without the two being loaded as a knot.
//
//   node scripts/check-import-cycles.mjs            checks the repository
//   node scripts/check-import-cycles.mjs dir...     checks the given folders
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_DIRS = ["shared", "functions", "cli", "web/src", "e2e", "bench"];
const SKIPPED_DIRS = new Set(["node_modules", "dist", "lib", "test-results", "playwright-report", ".git"]);
const SOURCE = /\.(ts|tsx|mts)$/;

// `import ... from "x"` and `export ... from "x"` (a statement, possibly over
// several lines, `type` or not) and `import "x"`.
const IMPORT_PATTERNS = [/^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm, /^\s*import\s*["']([^"']+)["']/gm];

function sourceFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...sourceFiles(join(dir, entry.name)));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      files.push(join(dir, entry.name));
    }
  }
  return files;
}

/** The relative specifiers a file imports. */
export function importSpecifiers(text) {
  const specifiers = new Set();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      if (match[1].startsWith(".")) specifiers.add(match[1]);
    }
  }
  return [...specifiers];
}

/** The source file a relative specifier names (`./x.js` is `./x.ts` under nodenext), or undefined. */
function resolveSpecifier(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.(m?js|jsx)$/, "");
  const candidates = [
    base,
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.mts`,
    join(base, "index.ts"),
    join(base, "index.tsx"),
  ];
  return candidates.find((file) => SOURCE.test(file) && existsSync(file) && statSync(file).isFile());
}

/** file -> the source files it imports. */
export function importGraph(dirs) {
  const graph = new Map();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const file of sourceFiles(dir)) {
      const targets = new Set();
      for (const specifier of importSpecifiers(readFileSync(file, "utf8"))) {
        const target = resolveSpecifier(file, specifier);
        if (target) targets.add(target);
      }
      graph.set(file, targets);
    }
  }
  return graph;
}

/**
 * Every import loop, one per group of files that reach each other (Tarjan's
 * strongly connected components), each as a path that starts and ends at the
 * same file: [a, b, a].
 */
export function findImportCycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];

  const visit = (start) => {
    // Iterative, so a long chain of imports cannot overflow the call stack.
    const work = [{ file: start, targets: [...(graph.get(start) ?? [])], next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.next < frame.targets.length) {
        const target = frame.targets[frame.next++];
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ file: target, targets: [...(graph.get(target) ?? [])], next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.file, Math.min(low.get(frame.file), index.get(target)));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.file, Math.min(low.get(parent.file), low.get(frame.file)));
      if (low.get(frame.file) === index.get(frame.file)) {
        const group = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          group.push(member);
        } while (member !== frame.file);
        if (group.length > 1 || graph.get(frame.file)?.has(frame.file)) groups.push(group);
      }
    }
  };

  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return groups.map((group) => loopThrough(graph, new Set(group)));
}

/** A shortest loop from the group's first file (by name) back to itself, inside the group. */
function loopThrough(graph, group) {
  const start = [...group].sort()[0];
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const target of [...(graph.get(file) ?? [])].sort()) {
      if (!group.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = file; at !== start; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

function main(args) {
  const dirs = (args.length > 0 ? args : DEFAULT_DIRS).map((dir) => resolve(root, dir));
  const graph = importGraph(dirs);
  const cycles = findImportCycles(graph);
  if (cycles.length === 0) {
    console.log(`check-import-cycles: no import cycles among ${graph.size} source files.`);
    return 0;
  }
  console.error(`check-import-cycles: ${cycles.length} import cycle(s); these files import each other:`);
  for (const cycle of cycles) console.error(`  ${cycle.map((file) => relative(root, file)).join(" -> ")}`);
  console.error("Move what both sides need into a module of its own (or to where it belongs), so imports go one way.");
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
