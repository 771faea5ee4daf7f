import { lazy, type ReactNode, Suspense, useEffect, useLayoutEffect, useState } from "react";
import { paintedRoute, revealApp } from "../firstPaint.js";
import { bypassesAppLock } from "../paths.js";
import { applyUpdate, onUpdateReady, onWorkerMessage } from "../sw-bridge/index.js";
import { matchRoute, navigate, usePath } from "./router.js";
import { Screen } from "./Screen.js";
import { loadedCodeList, screens } from "./screens.js";
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

const LazyHome = lazy(() => screens.home().then((module) => ({ default: module.Home })));
const LazyGate = lazy(() => screens.home().then((module) => ({ default: module.AppLockGate })));

/*
 * The code list and the app lock's gate, from the code list's chunk. Behind the lock that chunk is in
 * before the app's first render (src/boot.tsx waits for it; src/main.tsx fetched it with the app):
 * rendered at once, with no Suspense fallback in between. Otherwise (from the pairing screen, a tap
 * on a link back to the code list) they load as the screens do.
 */
function Home() {
  const [loaded] = useState(loadedCodeList);
  return loaded ? <loaded.Home /> : <LazyHome />;
}

function AppLockGate({ children }: { children: ReactNode }) {
  const [loaded] = useState(loadedCodeList);
  return loaded ? <loaded.AppLockGate>{children}</loaded.AppLockGate> : <LazyGate>{children}</LazyGate>;
}

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
  const path = usePath();
  const route = matchRoute(path);
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
  const screen = (
    <>
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
    </>
  );
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <UpdateBanner />
      <Suspense fallback={<p className="loading">Loading…</p>}>
        {/* Approving asks for the passkey itself; pairing and recovery show no code: no gate, and so
            no download of the code list's chunk, which holds it. */}
        {bypassesAppLock(path) ? screen : <AppLockGate>{screen}</AppLockGate>}
      </Suspense>
      <Toast />
    </div>
  );
}
