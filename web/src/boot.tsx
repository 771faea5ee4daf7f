/** The app itself: loaded by main.tsx, rendered into #root. */
import { StrictMode, startTransition } from "react";
import { createRoot } from "react-dom/client";
import { revealApp } from "./firstPaint.js";
import { bypassesAppLock } from "./paths.js";
import { startServiceWorker } from "./sw-bridge/index.js";
import { App } from "./ui/App.js";
import { screens } from "./ui/screens.js";

startServiceWorker();
const root = document.getElementById("root");
if (root) {
  // The screens reveal the app when they are ready; whatever happens, it is shown within seconds.
  setTimeout(revealApp, 5000);
  // A transition: React renders the first screen in slices of a few milliseconds instead of one
  // long task, so a tap (or a link) on the painted screen is never kept waiting by it.
  const render = () =>
    startTransition(() => {
      createRoot(root).render(
        <StrictMode>
          <App />
        </StrictMode>,
      );
    });
  // Behind the app lock (the code list, and every screen but pairing, recovery and approval), the
  // code list's chunk first, which holds the lock's gate (src/main.tsx is already fetching it): the
  // first render has it (App.tsx), with no fallback frame before the codes.
  if (!bypassesAppLock(window.location.pathname)) void screens.home().then(render, render);
  else render();
}
