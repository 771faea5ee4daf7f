import { join } from "node:path";
import Database from "libsql";

/**
 * Every row of the relay's SQLite database as sorted JSON lines per table,
 * read from a stopped server's data directory. `ignore` drops bookkeeping
 * that authenticated calls update by design (used nonces, last-seen times).
 */
export function snapshotDatabase(
  dataDir: string,
  ignore: { tables?: string[]; columns?: string[] } = {},
): Record<string, string[]> {
  const db = new Database(join(dataDir, "countersign.db"), { readonly: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
    )
      .map((row) => row.name)
      .filter((name) => !ignore.tables?.includes(name));
    const out: Record<string, string[]> = {};
    for (const table of tables) {
      const rows = db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
      out[table] = rows
        .map((row) => {
          const kept = Object.fromEntries(Object.entries(row).filter(([column]) => !ignore.columns?.includes(column)));
          return JSON.stringify(kept);
        })
        .sort();
    }
    return out;
  } finally {
    db.close();
  }
}
