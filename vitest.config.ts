import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["shared", "functions", "cli", "web", "action"],
  },
});
