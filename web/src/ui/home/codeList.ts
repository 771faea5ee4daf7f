/**
 * The code list's chunk: the code list itself and the app lock's gate, which hides it (and every
 * screen holding secrets) while the lock is closed. The pairing, recovery and approval screens need
 * neither (src/paths.ts, bypassesAppLock), so neither is in the app's chunk: those screens do not
 * download them. src/ui/screens.ts loads this module; src/ui/App.tsx renders from it.
 */
export { AppLockGate } from "../lock/AppLock.js";
export { Home } from "./Home.js";
