import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script, without types.
import { findImportCycles, importGraph } from "../../../scripts/check-import-cycles.mjs";

const script = join(import.meta.dirname, "..", "..", "..", "scripts", "check-import-cycles.mjs");
const made: string[] = [];

/** A folder of source files, `path -> text`. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "import-cycles-"));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function cyclesIn(dir: string): string[] {
  const cycles: string[][] = findImportCycles(importGraph([dir]));
  return cycles.map((cycle) => cycle.map((file) => file.slice(dir.length + 1)).join(" -> "));
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("scripts/check-import-cycles.mjs", () => {
  it.each([
    {
      what: "finds two files importing each other, a type-only import included",
      files: {
        "a.ts": 'import { b } from "./b.js";\nexport const a = b + 1;\n',
        "b.ts": 'import type { A } from "./a.js";\nexport const b = 1;\nexport type B = A;\n',
        "c.ts": 'import { a } from "./a.js";\nexport const c = a;\n',
      },
      cycles: ["a.ts -> b.ts -> a.ts"],
    },
    {
      what: "finds a longer loop through re-exports, multi-line imports and folders",
      files: {
        "one.ts": 'export { two } from "./sub/two.js";\nexport const one = 1;\n',
        "sub/two.ts": 'import {\n  three,\n} from "../three.js";\nexport const two = three;\n',
        "three.tsx": 'import { one } from "./one.js";\nexport const three = one;\n',
      },
      cycles: ["one.ts -> sub/two.ts -> three.tsx -> one.ts"],
    },
    {
      what: "passes imports that go one way, and on-demand import() back",
      files: {
        "screens.ts": 'export const screens = { home: () => import("./Home.js") };\n',
        "Home.ts":
          'import { screens } from "./screens.js";\nimport { z } from "zod";\nexport const home = [screens, z];\n',
        "node_modules/x/a.ts": 'import "./b.js";\n',
        "node_modules/x/b.ts": 'import "./a.js";\n',
      },
      cycles: [],
    },
  ])("$what", ({ files, cycles }) => {
    expect(cyclesIn(fixture(files))).toEqual(cycles);
  });

  it("exits 1 and names the files of each loop", () => {
    const dir = fixture({
      "left.ts": 'import "./right.js";\n',
      "right.ts": 'import "./left.js";\n',
    });
    const run = spawnSync(process.execPath, [script, dir], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/1 import cycle\(s\)/);
    expect(run.stderr).toMatch(/left\.ts -> .*right\.ts -> .*left\.ts/);
    const clean = spawnSync(process.execPath, [script, fixture({ "solo.ts": "export const solo = 1;\n" })], {
      encoding: "utf8",
    });
    expect(clean.status).toBe(0);
  });
});
