import { useCallback, useState } from "react";

/**
 * One action at a time on a screen: `busy` while `run`'s action runs (for
 * disabling its buttons), and `error`, the message of what it threw, cleared
 * when the next one starts.
 */
export function useBusyAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError("");
    try {
      await action();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
