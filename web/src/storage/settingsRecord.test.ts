import "fake-indexeddb/auto";
import { openDB } from "idb";
import { expect, it } from "vitest";
import { settingsRecord } from "./settingsRecord.js";

it("keeps one value in its own database until it is replaced or cleared", async () => {
  const record = settingsRecord<{ on: boolean }>("settings-record-test", "things", "thing");
  expect(await record.load()).toBeUndefined();
  await record.save({ on: true });
  expect(await record.load()).toEqual({ on: true });
  await record.save({ on: false });
  expect(await record.load()).toEqual({ on: false });
  const raw = await openDB("settings-record-test");
  expect([...raw.objectStoreNames]).toEqual(["things"]);
  expect(await raw.getAll("things")).toEqual([{ on: false }]);
  raw.close();
  await record.clear();
  expect(await record.load()).toBeUndefined();
});
