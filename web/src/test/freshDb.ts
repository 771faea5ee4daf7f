import { IDBFactory } from "fake-indexeddb";
import { beforeEach } from "vitest";
import { resetDbConnection } from "../storage/db.js";

/** Every test of the calling file starts from an empty IndexedDB (fake-indexeddb) and no open connection to it. */
export function freshDbForEachTest(): void {
  beforeEach(() => {
    globalThis.indexedDB = new IDBFactory();
    resetDbConnection();
  });
}
