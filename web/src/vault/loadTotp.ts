/**
 * The code generators, fetched the first time the page computes a code. The
 * service worker's build swaps this module for loadTotp.worker.ts
 * (web/vite.config.ts): a service worker may not import() at all.
 */
export const loadTotp = () => import("./totp.js");
