import { lazy, Suspense, useEffect, useLayoutEffect, useState } from "react";
import { paintedRoute, revealApp } from "../firstPaint.js";
import { applyUpdate, onUpdateReady, onWorkerMessage } from "../sw-bridge/index.js";
import { Home } from "./home/Home.js";
import { AppLockGate } from "./lock/AppLock.js";
import { matchRoute, navigate, usePath } from "./router.js";
import { Screen } from "./Screen.js";
import { screens } from "./screens.js";
import { Toast } from "./toast.js";
import { useIncomingTransfer } from "./transfer/incoming.js";

const Pair = lazy(screens.pair);
const AddAccount = lazy(screens.add);
const AccountDetail = lazy(screens.account);
const Approval = lazy(screens.approve);
const Settings = lazy(screens.settings);
const Recover = lazy(screens.recover);
const IncomingTransferPanel = lazy(() =>
  import("./transfer/IncomingTransfer.js").then((module) => ({ default: module.IncomingTransferPanel })),
);

function UpdateBanner() {
  const [ready, setReady] = useState(false);
  useEffect(() => onUpdateReady(setReady), []);
  if (!ready) return null;
  return (
    <div className="update-banner" role="status">
      <span>A new version of Countersign is ready.</span>
      <button type="button" className="button button-small" onClick={applyUpdate}>
        Update
      </button>
    </div>
  );
}

export function App() {
  const route = matchRoute(usePath());
  const incoming = useIncomingTransfer();
  useLayoutEffect(() => {
    // A screen the page painted from markup reveals itself once it is ready (the code list when its
    // data is read, pairing and approval when they render); any other screen at once.
    if (route.name !== paintedRoute() && route.name !== "home") revealApp();
  }, [route.name]);
  useEffect(
    () =>
      onWorkerMessage((message) => {
        // A request arriving while the app is open shows its approval screen at once.
        if (message.type === "approval-request" || message.type === "open-approval") {
          navigate(`/approve/${encodeURIComponent(message.requestId)}`);
        }
      }),
    [],
  );
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <UpdateBanner />
      <Suspense fallback={<p className="loading">Loading…</p>}>
        {/* Approving asks for the passkey itself; pairing and recovery show no code. */}
        <AppLockGate bypass={route.name === "approve" || route.name === "pair" || route.name === "recover"}>
          {route.name === "home" ? (
            <Home />
          ) : route.name === "pair" ? (
            <Pair />
          ) : route.name === "add" ? (
            <AddAccount />
          ) : route.name === "account" ? (
            <AccountDetail key={route.id} id={route.id} />
          ) : route.name === "approve" ? (
            <Approval key={route.requestId} requestId={route.requestId} />
          ) : route.name === "settings" ? (
            <Settings />
          ) : route.name === "recover" ? (
            <Recover />
          ) : (
            <Screen title="Not found">
              <p>There is nothing here.</p>
            </Screen>
          )}
          {incoming ? <IncomingTransferPanel /> : null}
        </AppLockGate>
      </Suspense>
      <Toast />
    </div>
  );
}
