/** The app version from web/package.json, set at build time. */
declare const __APP_VERSION__: string;
