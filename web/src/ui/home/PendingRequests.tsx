import { type ApprovalView, describeRequest } from "@countersign/shared";
import { useEffect, useState } from "react";
import { onWorkerMessage } from "../../sw-bridge/index.js";
import { Link } from "../Link.js";
import { preloadScreen } from "../screens.js";
import { useDevice, useServices } from "../state.js";

/** Requests waiting for an answer, for when a notification was missed or push is unavailable. */
export function PendingRequests() {
  const { api } = useServices();
  const device = useDevice();
  const [pending, setPending] = useState<ApprovalView[]>([]);
  useEffect(() => {
    if (!device) return;
    let cancelled = false;
    const load = async () => {
      const result = await api.call<ApprovalView[] | { approvals: ApprovalView[] }>("GET", "/api/v1/approvals");
      if (cancelled || !result.ok) return;
      const list = Array.isArray(result.data) ? result.data : (result.data?.approvals ?? []);
      setPending(list.filter((a) => a.status === "pending" && a.expiresAt > Date.now()));
    };
    void load();
    const onVisible = () => document.visibilityState === "visible" && void load();
    document.addEventListener("visibilitychange", onVisible);
    const stop = onWorkerMessage(() => void load());
    return () => {
      cancelled = true;
      document.removeEventListener("visibilitychange", onVisible);
      stop();
    };
  }, [api, device]);
  const first = pending[0]?.id;
  useEffect(() => {
    // A waiting request is what the next tap opens: its screen loads now.
    if (first) preloadScreen(`/approve/${encodeURIComponent(first)}`);
  }, [first]);
  if (pending.length === 0) return null;
  return (
    <section className="pending" aria-label="Waiting for your answer">
      {pending.map((approval) => (
        <Link key={approval.id} to={`/approve/${encodeURIComponent(approval.id)}`} className="pending-item">
          <span className="pending-title">{describeRequest(approval)}</span>
          <span className="pending-action">Review</span>
        </Link>
      ))}
    </section>
  );
}
