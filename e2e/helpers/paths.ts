import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SERVER_ENTRY = fileURLToPath(new URL("../../functions/dist/standalone/main.js", import.meta.url));
export const CLI_ENTRY = fileURLToPath(new URL("../../cli/dist/bin.js", import.meta.url));
export const WEB_DIST = fileURLToPath(new URL("../../web/dist/", import.meta.url));
