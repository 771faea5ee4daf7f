import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { REPO_ROOT } from "./lib/serverProcess.js";

/**
 * Summarises a V8 .cpuprofile (what `--cpu-prof` writes) as the functions that
 * took the most self time: the time spent in a function's own code, not in
 * what it calls. Usage: node bench/dist/bench/src/profileSummary.js <file> [top=25]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function location(node: ProfileNode): string {
  const { url, lineNumber } = node.callFrame;
  if (!url) return "";
  const path = url.startsWith("file://") ? relative(REPO_ROOT, new URL(url).pathname) : url;
  return `${path}:${lineNumber + 1}`;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: profileSummary <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));

// Each sample names the node that was running; its time is the delta to the next sample.
const selfMicros = new Map<string, number>();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i] ?? -1);
  const micros = profile.timeDeltas[i + 1] ?? 0;
  if (!node) continue;
  total += micros;
  const key = `${node.callFrame.functionName || "(anonymous)"} ${location(node)}`.trim();
  selfMicros.set(key, (selfMicros.get(key) ?? 0) + micros);
}

const idle = selfMicros.get("(idle)") ?? 0;
const busy = total - idle;
console.log(`profile: ${(total / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms (idle left out)`);
console.log("self ms  % busy  function");
for (const [name, micros] of [...selfMicros]
  .filter(([key]) => key !== "(idle)")
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)) {
  console.log(`${(micros / 1000).toFixed(0).padStart(7)}  ${((100 * micros) / busy).toFixed(1).padStart(6)}  ${name}`);
}
