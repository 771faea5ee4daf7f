import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import react from "@vitejs/plugin-react";
import { visualizer } from "rollup-plugin-visualizer";
import { defineConfig, type Plugin } from "vite";
import { compression, defineAlgorithm } from "vite-plugin-compression2";
import { VitePWA } from "vite-plugin-pwa";

/** Brotli at its highest quality: compressed once per build, sent many times. */
const BROTLI = { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } };

/**
 * Writes sw.js.br and sw.js.gz. vite-plugin-compression2 compresses what the
 * bundle and public/ hold; the service worker is written after both (by
 * vite-plugin-pwa's own build, then workbox's precache-manifest injection),
 * so it is compressed here, once it is final.
 */
function compressServiceWorker(): Plugin {
  let outDir = "";
  return {
    name: "countersign:compress-service-worker",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle: {
      order: "post",
      sequential: true,
      handler() {
        const file = join(outDir, "sw.js");
        const source = readFileSync(file);
        writeFileSync(`${file}.br`, brotliCompressSync(source, BROTLI));
        writeFileSync(`${file}.gz`, gzipSync(source, { level: 9 }));
      },
    },
  };
}

/**
 * The four pages (index, pair, approve, shell .html) are their <body> only: the document around
 * them (doctype, <html>, the <head>'s meta tags, icons and title) is written once, in page.html,
 * and each page is put in place of its `<!-- the page -->` comment, in the dev server and the build.
 */
function pageFrame(): Plugin {
  const marker = /^<!-- The page's <body>; the document around it .*?page\.html.*?-->\n/;
  const frame = readFileSync(new URL("./page.html", import.meta.url), "utf8");
  const slot = /^ *<!-- the page -->\n/m;
  if (!slot.test(frame)) throw new Error("page.html: its <body> has no <!-- the page --> comment");
  return {
    name: "countersign:page-frame",
    transformIndexHtml: {
      order: "pre",
      handler(html, { filename }) {
        if (!marker.test(html)) throw new Error(`${filename}: not a page body that names page.html`);
        const body = html.replace(marker, "").replace(/^(?=.)/gm, "    ");
        return frame.replace(slot, () => body);
      },
    },
  };
}

/**
 * The built pages without their comments (notes for whoever edits the markup: lint directives,
 * pointers to the components they mirror) and without the indentation at the start of each line:
 * ≈ 0.15–0.3 KB of brotli less on every first load. A line break stays wherever there was
 * whitespace, so the document's text and layout do not change (whitespace collapses to one space
 * either way). The pages hold no <pre> or <textarea>, whose whitespace would matter: the build
 * stops if one appears.
 */
function compactPages(): Plugin {
  return {
    name: "countersign:compact-pages",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html, { filename }) {
        if (/<(pre|textarea)\b/i.test(html)) throw new Error(`${filename}: <pre> or <textarea> in a page`);
        return html.replace(/<!--[\s\S]*?-->/g, "").replace(/\s*\n\s*/g, "\n");
      },
    },
  };
}

/**
 * The pages painted from markup (index, pair, approve .html) without the `<link rel="manifest">` that
 * vite-plugin-pwa writes into every page: the browser fetches the manifest and its icon as soon as
 * it sees the link, while the first screen loads. The entry links it once the app starts
 * (src/main.tsx); shell.html, the page of every screen the service worker serves, keeps it.
 */
function manifestLinkedByTheApp(): Plugin {
  return {
    name: "countersign:manifest-linked-by-the-app",
    apply: "build",
    enforce: "post",
    transformIndexHtml: {
      order: "post",
      handler(html, { filename }) {
        if (!html.includes('id="first-paint"')) return html;
        const link = /<link rel="manifest" href="\/manifest\.webmanifest">/;
        if (!link.test(html)) throw new Error(`${filename}: no <link rel="manifest"> where vite-plugin-pwa writes it`);
        return html.replace(link, "");
      },
    },
  };
}

/**
 * Vite's helper for dynamic imports (`\0vite/preload-helper.js`, which every page's entry carries)
 * replaced by build/preloadHelper.js: the same preloads and the same wait for a chunk's stylesheets,
 * without what this app does not use (a modulepreload polyfill, CSP nonces, a relative base, the
 * `vite:preloadError` event): the entry file every page loads first goes from 1.3 to 0.85 KB of
 * brotli (and React DOM's chunk, which calls it, 81 bytes lighter). Vite calls it as
 * `__vitePreload(() => import(…), ["assets/…", …] | undefined)`; the build stops if the base is
 * not "/" (the helper makes each file's URL as "/" + the file) or Vite no longer asks for this
 * module, and e2e/tests/app/first-screen.spec.ts checks a lazy screen's stylesheet is applied.
 */
function smallPreloadHelper(): Plugin {
  const id = "\0vite/preload-helper.js";
  let loaded = false;
  return {
    name: "countersign:small-preload-helper",
    apply: "build",
    enforce: "pre",
    configResolved(config) {
      if (config.base !== "/") throw new Error(`build/preloadHelper.js needs base "/", not "${config.base}"`);
    },
    buildStart() {
      loaded = false;
    },
    load(source) {
      if (source !== id) return null;
      loaded = true;
      return readFileSync(new URL("./build/preloadHelper.js", import.meta.url), "utf8");
    },
    buildEnd(error) {
      if (!error && !loaded && this.environment.config.consumer === "client")
        throw new Error(`${id} was never loaded: Vite no longer uses it, or names it otherwise`);
    },
  };
}

/**
 * In the service worker's build, vault/loadTotp.ts becomes loadTotp.worker.ts:
 * the page loads the code generators on first use, the worker has them
 * built in (a dynamic import there would pull in Vite's preload helper, whose
 * `import.meta` stops a classic worker script from evaluating).
 */
function workerLoadsTotpStatically(): Plugin {
  return {
    name: "countersign:worker-loads-totp-statically",
    enforce: "pre",
    resolveId(source, importer) {
      if (source === "./loadTotp.js" && importer?.endsWith("/vault/vault.ts")) {
        return join(dirname(importer), "loadTotp.worker.ts");
      }
      return null;
    },
  };
}

/**
 * The app (src/boot.tsx and what it imports) is a dynamic import of the
 * entry (src/main.tsx).
 *
 * shell.html needs the app to paint anything: these links fetch it in
 * parallel with the stylesheet.
 *
 * index.html, pair.html and approve.html paint their first screen from markup
 * and the stylesheet alone (src/firstPaint.ts): there the app is requested only once that screen is
 * painted, and the entry's few hundred bytes at low priority, so that on a
 * slow link nothing shares the bandwidth with the stylesheet the paint waits
 * for. A new phone sees its screen sooner; the app is ready an instant later
 * (one frame, and the time to open the request).
 */
/** The module of the screen each markup page paints, besides the code list (which is in the app's chunk). */
const SCREEN_MODULES: Record<string, string> = {
  pair: "/src/ui/pair/Pair.tsx",
  approve: "/src/ui/approval/Approval.tsx",
};

function preloadTheApp(): Plugin {
  return {
    name: "countersign:preload-the-app",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html, { bundle, chunk }) {
        if (!bundle || !chunk) return html;
        // A chunk's file with every chunk it imports statically, and theirs (into `files`).
        const withImports = (file: string, files: Set<string>) => {
          const output = bundle[file];
          if (files.has(file) || output?.type !== "chunk") return files;
          files.add(file);
          for (const imported of output.imports) withImports(imported, files);
          return files;
        };
        // The page's entry: the files the chunk Vite passes imports (it stands for the page's entry,
        // whose own file is empty: the shared entry, or approve.html's prefetch), and theirs.
        const entryFiles = new Set<string>();
        for (const file of chunk.imports) withImports(file, entryFiles);
        // The chunks the page's entry loads with import() that `load` accepts, with what they import
        // statically.
        const loadedByEntry = (load: (file: string) => boolean) => {
          const files = new Set<string>();
          for (const output of [chunk, ...[...entryFiles].map((file) => bundle[file])]) {
            if (output?.type !== "chunk") continue;
            for (const file of output.dynamicImports) if (load(file)) withImports(file, files);
          }
          return files;
        };
        // The code list's chunk (src/ui/home/codeList.ts: the code list and the app lock's gate), which
        // the entry fetches with the app on the screens behind the lock (src/main.tsx): named on the
        // pages that can show them, index.html and shell.html.
        const route = html.match(/id="first-paint" data-route="(\w+)"/)?.[1];
        const codeList = Object.values(bundle).find(
          (output) => output.type === "chunk" && output.facadeModuleId?.endsWith("/src/ui/home/codeList.ts"),
        );
        if (codeList && (route === undefined || route === "home")) {
          html = html.replace(
            "</head>",
            `<meta name="countersign-home-chunk" content="/${codeList.fileName}" />\n  </head>`,
          );
        }
        if (route !== undefined) {
          // The painted screen's chunk, for the entry to fetch along with the app (src/main.tsx).
          const screen = SCREEN_MODULES[route] ?? "";
          const screenChunk = Object.values(bundle).find(
            (output) => output.type === "chunk" && screen && output.facadeModuleId?.endsWith(screen),
          );
          // With the chunks it imports that the app does not (a form's fields shared with another
          // screen): fetched together, not once the screen's chunk has arrived.
          const appFiles = new Set([...entryFiles, ...loadedByEntry(() => true)]);
          const screenFiles = screenChunk?.type === "chunk" ? [screenChunk.fileName, ...screenChunk.imports] : [];
          const meta = screenFiles.length
            ? `<meta name="countersign-screen-chunk" content="${screenFiles
                .filter((file) => file === screenChunk?.fileName || !appFiles.has(file))
                .map((file) => `/${file}`)
                .join(" ")}" />\n  </head>`
            : "</head>";
          html = html
            .replace(/<script type="module"/g, '<script type="module" fetchpriority="low"')
            .replace(/<link rel="modulepreload"/g, '<link rel="modulepreload" fetchpriority="low"')
            .replace("</head>", meta);
          // approve.html: the screen's largest element (the request's question) waits for the signed
          // call, which needs the state chunk (IndexedDB, the signing client), the largest of the
          // entry's files. It goes first, as a link at the default priority: the browser asks for it
          // before the others, on the connection the page arrived on, which is already open (on
          // HTTP/1.1 the others wait for connections of their own). The page's entry (the prefetch)
          // imports it: Vite names it with a link, or, as it does when a page's entry file would be
          // only imports, with a script of its own; either gives way to the link.
          if (route === "approve") {
            const state = Object.values(bundle).find((output) => output.type === "chunk" && output.name === "state");
            const file = state?.fileName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            const stateTag = new RegExp(
              `\\s*<(link rel="modulepreload"|script type="module") fetchpriority="low" crossorigin (href|src)="/${file}">(</script>)?`,
            );
            if (!state || !stateTag.test(html))
              throw new Error("approve.html: the state chunk is not among its scripts");
            html = html
              .replace(stateTag, "")
              .replace(
                /<script type="module"/,
                `<link rel="modulepreload" crossorigin href="/${state.fileName}">\n    <script type="module"`,
              );
          }
          return html;
        }
        const isBoot = (file: string) => {
          const output = bundle[file];
          return output?.type === "chunk" && output.facadeModuleId?.endsWith("/src/boot.tsx") === true;
        };
        const files = loadedByEntry(isBoot);
        const links = [...files]
          .filter((file) => !html.includes(`/${file}"`))
          .map((file) => `<link rel="modulepreload" crossorigin href="/${file}">`);
        return html.replace("</head>", `  ${links.join("\n    ")}\n  </head>`);
      },
    },
  };
}

/**
 * The app's shared chunk ("state": React, the vault, IndexedDB, the API client, the toast, JSX's
 * runtime) as one file: what src/ui/state.ts and src/ui/toast.tsx import statically. Left to
 * itself the build splits these by which chunks import each module (the lazy screens, the
 * approval prefetch) into three files that the code list waits for. Vite's preload helper stays
 * in the entry, which uses it: here it would make the entry fetch this chunk before the first
 * paint. Through a package's index of `export * from` lines only the files that export a name the
 * importer asks for are followed (so @countersign/shared's TOTP, which the vault loads on first
 * use, stays in its own chunk).
 */
function stateChunkModules(): Plugin & { has: (id: string) => boolean } {
  const modules = new Set<string>();
  return {
    name: "countersign:state-chunk",
    apply: "build",
    has: (id) => modules.has(id),
    buildEnd() {
      modules.clear();
      const reExportsOnly = (code: string) => /^(\s*(export \* from "[^"]+";|\/\/.*))*\s*$/.test(code);
      const visit = (id: string, names?: Set<string>) => {
        const info = this.getModuleInfo(id);
        if (!info || modules.has(id) || id.includes("vite/preload-helper")) return;
        if (info.code && reExportsOnly(info.code)) {
          for (const target of info.importedIds) {
            if (this.getModuleInfo(target)?.exports.some((name) => names?.has(name) ?? true)) visit(target);
          }
          return;
        }
        modules.add(id);
        const imported = new Set(
          [...(info.code ?? "").matchAll(/import\s*\{([^}]*)\}/g)].flatMap(([, list = ""]) =>
            list.split(",").map((name) => name.trim().split(/\s+as\s+/)[0] ?? ""),
          ),
        );
        for (const target of info.importedIds) visit(target, imported);
      };
      for (const id of this.getModuleIds()) if (/[\\/]src[\\/]ui[\\/](state\.ts|toast\.tsx)$/.test(id)) visit(id);
    },
  };
}

const stateChunk = stateChunkModules();

/**
 * What the screens share with one another, now that the code list and the app lock's gate
 * (src/ui/home/codeList.ts) are a chunk of their own rather than part of the app's (boot): links,
 * the router and the screens' loaders, the painted screen's swap, the code and time formats, the
 * clock, the recovery code's card, the passkey settings, the busy-button hook, the pairing form's
 * fields. Left to itself the build gives these several small files, which the screens would each
 * wait for (a request each); they import only what the state chunk holds, so they sit in it.
 */
const SHARED_BY_SCREENS = new RegExp(
  String.raw`[\/]web[\/]src[\/](firstPaint\.ts|passkey[\/](usePasskeySettings|passkeySettings)\.ts|` +
    String.raw`storage[\/]settingsRecord\.ts|ui[\/](Link\.tsx|router\.ts|screens\.ts|format\.ts|useNow\.ts|` +
    String.raw`useBusyAction\.ts|recovery\.tsx|pair[\/]CodeAndNameFields\.tsx))$`,
);

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string };

export default defineConfig(({ mode }) => ({
  define: { __APP_VERSION__: JSON.stringify(version) },
  // Every browser that runs the app (ES2022, service workers, WebCrypto) supports modulepreload: no polyfill.
  build: {
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false },
    // Each file is a request the first screen waits for (on HTTP/1.1 it may also wait for one of six
    // connections): the four pages share one entry file, and what the app's screens share is one
    // "state" file (stateChunkModules). Rolldown's experimentalInlineCommonChunks, which copied small
    // shared chunks into their importers, is not used: it turns on strictExecutionOrder, whose
    // wrappers cost ≈ 1.3 KB of brotli on the first screen and gave each page a 105-byte file that
    // only called the shared entry (docs/benchmarks.md, branch web22c).
    rolldownOptions: {
      // index.html, pair.html, approve.html: "/", /pair and /approve/… for a browser without the
      // service worker (a new phone), with the first screen painted from static markup; shell.html:
      // every other page, and every page the service worker serves (src/firstPaint.ts).
      input: {
        index: fileURLToPath(new URL("./index.html", import.meta.url)),
        pair: fileURLToPath(new URL("./pair.html", import.meta.url)),
        approve: fileURLToPath(new URL("./approve.html", import.meta.url)),
        shell: fileURLToPath(new URL("./shell.html", import.meta.url)),
      },
      output: {
        codeSplitting: {
          groups: [
            // With the request's one-line description (shared/src/describeRequest.ts): the code list
            // draws it on its pending requests and approve.html's prefetch on the painted screen, so it
            // sits in the one file both load rather than a file of its own.
            {
              name: "state",
              test: (id: string) =>
                stateChunk.has(id) ||
                /[\\/]shared[\\/](src|dist)[\\/]describeRequest\.[jt]s$/.test(id) ||
                SHARED_BY_SCREENS.test(id),
              includeDependenciesRecursively: false,
            },
          ],
        },
      },
    },
  },
  // workbox-window's package points bundlers at its ES5 build (5.7 KB, 2.0 KB brotli: transpiled
  // async functions and classes); the app targets ES2022, so it gets the library's modern build of
  // the same version (3.3 KB, 1.2 KB brotli).
  resolve: { alias: [{ find: /^workbox-window$/, replacement: "workbox-window/build/workbox-window.prod.mjs" }] },
  server: { proxy: { "/api": "http://localhost:8080" } },
  plugins: [
    smallPreloadHelper(),
    react(),
    pageFrame(),
    preloadTheApp(),
    compactPages(),
    stateChunk,
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      // Registered from our own code with workbox-window: no inline script, so the strict CSP holds.
      injectRegister: false,
      registerType: "prompt",
      injectManifest: {
        globPatterns: ["**/*.{js,css,html,png,svg,webmanifest}"],
        // Only the network serves these (to a browser without the worker); the worker serves the shell.
        globIgnores: ["**/node_modules/**/*", "pair.html", "approve.html"],
        rollupFormat: "es",
        buildPlugins: { vite: [workerLoadsTotpStatically()] },
      },
      includeAssets: ["icons/apple-touch-icon.png", "icons/favicon-32.png"],
      manifest: {
        id: "/",
        name: "Countersign",
        short_name: "Countersign",
        description: "Your authenticator, with an Approve button for CI.",
        start_url: "/",
        scope: "/",
        display: "standalone",
        orientation: "portrait",
        theme_color: "#1d4ed8",
        background_color: "#0b1220",
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
    }),
    // A .br and a .gz beside every compressible file, for the server to send as the client accepts
    // (functions/src/standalone/serveWeb.ts): compressed once at build time, at the highest levels.
    compression({
      include: /\.(html|css|js|mjs|svg|webmanifest|json)$/,
      algorithms: [defineAlgorithm("brotliCompress", BROTLI), defineAlgorithm("gzip", { level: 9 })],
      logLevel: "silent",
    }),
    // After vite-plugin-pwa's own transformIndexHtml (both enforce "post"), which writes the link.
    manifestLinkedByTheApp(),
    compressServiceWorker(),
    // `npm run analyze -w web`: what each chunk is made of, as a treemap (stats/bundle.html)
    // and as data (stats/bundle.json), outside dist so it is neither served nor precached.
    mode === "analyze" && [
      visualizer({ filename: "stats/bundle.html", template: "treemap", gzipSize: true, brotliSize: true }),
      visualizer({ filename: "stats/bundle.json", template: "raw-data", gzipSize: true, brotliSize: true }),
    ],
  ],
}));
