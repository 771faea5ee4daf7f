// Stops countersign with one clear line on a Node older than it supports. Imported first by
// the bin (bin/countersign.js) and by the single-file build, before any module of the CLI is
// evaluated: it uses nothing newer than Node 12, while the CLI needs Node 20.19 (on 18 it
// died with "crypto is not defined" instead of saying why).
const MINIMUM = "20.19.0";

function older(version, minimum) {
  const have = version.split(".").map(Number);
  const need = minimum.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    if ((have[i] || 0) !== need[i]) return (have[i] || 0) < need[i];
  }
  return false;
}

if (older(process.versions.node, MINIMUM)) {
  process.stderr.write(
    `countersign: Node ${process.versions.node} is too old; countersign needs Node ${MINIMUM} or newer (actions/setup-node with node-version: 22, or image node:22).\n`,
  );
  // 2: a usage error, like every other problem with how countersign was invoked.
  process.exit(2);
}
