// Vite's helper for a dynamic import(), in the bundle as `\0vite/preload-helper.js` (vite.config.ts,
// smallPreloadHelper): before the chunk is imported, the browser is asked for the files it imports
// (modulepreload links, fetched in parallel with it rather than one after another) and for its
// stylesheets, which the import waits for, so a screen never shows unstyled. Vite's own helper does
// the same and more that this app has no use for (a preload polyfill, CSP nonces, paths relative to
// the page, an event to cancel errors): 3.4 KB of it, ≈ 0.5 KB of brotli in the first file of every page.
const requested = new Map();

function request(href) {
  const stylesheet = href.endsWith(".css");
  if (document.querySelector(`link[href="${href}"]${stylesheet ? '[rel="stylesheet"]' : ""}`)) return undefined;
  const link = Object.assign(document.createElement("link"), {
    rel: stylesheet ? "stylesheet" : "modulepreload",
    href,
  });
  link.crossOrigin = "";
  document.head.append(link);
  if (!stylesheet) return undefined;
  return new Promise((resolve, reject) => {
    link.onload = resolve;
    link.onerror = () => {
      requested.delete(href); // a later import asks again
      link.remove();
      reject(new Error(`Unable to load the stylesheet ${href}`));
    };
  });
}

/** `deps`: the files (relative to the site's root) the imported chunk needs; Vite writes the list. */
export function __vitePreload(load, deps) {
  const waits = (deps ?? []).map((dep) => {
    const href = `/${dep}`;
    if (!requested.has(href)) requested.set(href, request(href));
    return requested.get(href);
  });
  return Promise.all(waits).then(() => load());
}
