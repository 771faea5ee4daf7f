/** The app itself: loaded by main.tsx, rendered into #root. */
import { StrictMode, startTransition } from "react";
import { createRoot } from "react-dom/client";
import { revealApp } from "./firstPaint.js";
import { startServiceWorker } from "./sw-bridge/index.js";
import { App } from "./ui/App.js";

startServiceWorker();
const root = document.getElementById("root");
if (root) {
  // The screens reveal the app when they are ready; whatever happens, it is shown within seconds.
  setTimeout(revealApp, 5000);
  // A transition: React renders the first screen in slices of a few milliseconds instead of one
  // long task, so a tap (or a link) on the painted screen is never kept waiting by it.
  startTransition(() => {
    createRoot(root).render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  });
}
