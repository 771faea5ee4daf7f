import { defineConfig } from "vitest/config";

/** The reliability suite: `npm run test:reliability` (never part of `npm test`). */
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["src/reliability/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: "forks",
  },
});
