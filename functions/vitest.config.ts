import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "functions",
    include: ["src/**/*.test.ts"],
    environment: "node",
    // Several suites start real server processes and long polls; on a loaded 2-core
    // machine the default 5 s fails tests that are only slow, never wrong.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // firebase-admin (the Firestore store tests) must never probe the GCE metadata
    // server: that is a link-local address outside this machine.
    env: { METADATA_SERVER_DETECTION: "none" },
  },
});
