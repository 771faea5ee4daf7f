import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "cli",
    include: ["src/**/*.test.ts"],
    environment: "node",
    // The integration tests spawn the real relay and the built CLI; on a loaded
    // two-core machine one approval round trip can take several seconds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
