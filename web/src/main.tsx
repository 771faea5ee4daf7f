import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { startServiceWorker } from "./sw-bridge/index.js";
import { App } from "./ui/App.js";
import "./ui/styles.css";

startServiceWorker();
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
