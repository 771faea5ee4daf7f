import { getHeapSnapshot } from "node:v8";

/**
 * How many objects of each named class this process holds, from a V8 heap
 * snapshot (taking one runs a full garbage collection first, so only what is
 * still reachable is counted). Exact counts, unlike heap sizes: a test can ask
 * that N finished calls leave exactly nothing behind.
 */
export async function countHeapObjects<Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snapshot = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const objectType = snapshot.snapshot.meta.node_types[0].indexOf("object");
  const counts = Object.fromEntries(names.map((name) => [name, 0])) as Record<Name, number>;
  for (let node = 0; node < snapshot.nodes.length; node += fields.length) {
    if (snapshot.nodes[node + typeAt] !== objectType) continue;
    const name = snapshot.strings[snapshot.nodes[node + nameAt] as number] as Name;
    if (Object.hasOwn(counts, name)) counts[name]++;
  }
  return counts;
}
