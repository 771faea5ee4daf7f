import * as totp from "./totp.js";

/** The service worker's loadTotp (see loadTotp.ts): the generators are part of sw.js itself. */
export const loadTotp = async () => totp;
