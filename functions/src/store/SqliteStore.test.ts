import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { SqliteStore } from "./SqliteStore.js";
import { runStoreContract } from "./storeContract.js";

runStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  return { store: SqliteStore.open(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

it("keeps its data across a reopen of the same directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "countersign-store-"));
  const first = SqliteStore.open(dir);
  await first.setSetting("k", "v");
  await first.close();
  const second = SqliteStore.open(dir);
  expect(await second.getSetting("k")).toBe("v");
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});
