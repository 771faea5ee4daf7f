import { type ApprovalView, describeRequest } from "@countersign/shared";
import { type ReactNode, useCallback, useEffect, useState } from "react";
import { type AnswerOutcome, approveRequest, denyRequest, fetchApproval } from "../../approval/answer.js";
import { closeRequestNotification, onWorkerMessage } from "../../sw-bridge/index.js";
import { formatDuration } from "../format.js";
import { ErrorText, Screen } from "../Screen.js";
import { useServices } from "../state.js";
import { useNow } from "../useNow.js";

function Fact({ term, value, verified }: { term: string; value: ReactNode; verified?: boolean | undefined }) {
  if (value === undefined || value === null || value === "") return null;
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>
        <span className="fact-value">{value}</span>
        {verified === undefined ? null : verified ? (
          <span className="badge badge-verified">✓ verified</span>
        ) : (
          <span className="badge badge-claimed">claimed by CI</span>
        )}
      </dd>
    </div>
  );
}

function outcomeText(outcome: AnswerOutcome): string {
  switch (outcome.kind) {
    case "approved":
      return "Approved. The code was sent to CI.";
    case "denied":
      return outcome.paused ? "Denied, and the link is paused." : "Denied.";
    case "already_answered":
      return `Already ${outcome.status} — answered on ${outcome.deviceName}.`;
    case "expired":
      return "This request expired before it was answered.";
    case "error":
      return outcome.message;
  }
}

function outcomeFromView(view: ApprovalView): AnswerOutcome | undefined {
  if (view.status === "pending") return undefined;
  if (view.status === "expired") return { kind: "expired" };
  return { kind: "already_answered", status: view.status, deviceName: view.answeredBy?.deviceName ?? "another device" };
}

/** One CI request: who asks, for what, what is verified; Approve, Deny, Deny and pause link. */
export default function Approval({ requestId }: { requestId: string }) {
  const services = useServices();
  const [view, setView] = useState<ApprovalView | undefined>();
  const [loadError, setLoadError] = useState("");
  const [outcome, setOutcome] = useState<AnswerOutcome | undefined>();
  const [busy, setBusy] = useState(false);
  const now = useNow(1000);

  const load = useCallback(async () => {
    const result = await fetchApproval(services.api, requestId);
    if (!result.ok) return setLoadError(result.message);
    setView(result.data);
    const settled = outcomeFromView(result.data);
    if (settled) setOutcome((current) => current ?? settled);
  }, [services, requestId]);

  useEffect(() => {
    void load();
    return onWorkerMessage((message) => {
      if (message.type === "request-answered" && message.requestId === requestId) void load();
    });
  }, [load, requestId]);

  const act = async (action: () => Promise<AnswerOutcome>) => {
    setBusy(true);
    const result = await action();
    setOutcome(result);
    void closeRequestNotification(requestId);
    setBusy(false);
  };

  if (!view) {
    return (
      <Screen title="CI request">
        {loadError ? <ErrorText>{loadError}</ErrorText> : <p className="loading">Loading the request…</p>}
      </Screen>
    );
  }

  const claimed = view.claimed ?? {};
  const verified = view.verified ?? {};
  const pkg = view.package
    ? `${view.package.name}${view.package.version ? `@${view.package.version}` : ""}`
    : undefined;
  const repository = verified.repository ?? claimed.repository;
  const workflow = verified.workflow ?? verified.job_workflow_ref ?? claimed.workflow;
  const ref = verified.ref ?? claimed.ref;
  const left = view.expiresAt - now;
  const pending = view.status === "pending" && !outcome && left > 0;

  return (
    <Screen title="CI request">
      <h2 className="question">{describeRequest(view)}</h2>
      <dl className="facts">
        <Fact
          term="Account"
          value={view.account.issuer ? `${view.account.issuer}: ${view.account.label}` : view.account.label}
        />
        <Fact term="Package" value={pkg} />
        <Fact term="Repository" value={repository} verified={repository ? !!verified.repository : undefined} />
        <Fact
          term="Workflow / ref"
          value={[workflow, ref].filter(Boolean).join(" @ ")}
          verified={workflow || ref ? !!(verified.workflow ?? verified.job_workflow_ref ?? verified.ref) : undefined}
        />
        <Fact
          term="Run"
          value={
            claimed.runUrl ? (
              <a href={claimed.runUrl} target="_blank" rel="noopener noreferrer">
                {claimed.runUrl.replace(/^https?:\/\//, "")}
              </a>
            ) : undefined
          }
          verified={claimed.runUrl ? false : undefined}
        />
        <Fact
          term="Commit"
          value={(verified.sha ?? claimed.sha)?.slice(0, 12)}
          verified={verified.sha ? true : claimed.sha ? false : undefined}
        />
        <Fact
          term="Actor"
          value={verified.actor ?? claimed.actor}
          verified={verified.actor ? true : claimed.actor ? false : undefined}
        />
        <Fact term="CI link" value={view.link.name} />
        <Fact
          term="Requested from"
          value={`${view.requester.ip}${view.requester.userAgent ? ` · ${view.requester.userAgent}` : ""}`}
        />
        <Fact
          term="Time left"
          value={pending ? formatDuration(left) : view.status === "pending" && left <= 0 ? "expired" : undefined}
        />
      </dl>
      {Object.keys(verified).length === 0 ? (
        <p className="hint">No OIDC token: everything above is what CI claims about itself.</p>
      ) : null}
      {outcome ? (
        <p className={`outcome outcome-${outcome.kind}`} role="status">
          {outcomeText(outcome)}
        </p>
      ) : null}
      {pending ? (
        <div className="actions">
          <button
            type="button"
            className="button button-approve"
            disabled={busy}
            onClick={() => void act(() => approveRequest(services, requestId))}
          >
            Approve
          </button>
          <button
            type="button"
            className="button button-secondary"
            disabled={busy}
            onClick={() => void act(() => denyRequest(services, requestId))}
          >
            Deny
          </button>
          <button
            type="button"
            className="button button-danger"
            disabled={busy}
            onClick={() => void act(() => denyRequest(services, requestId, true))}
          >
            Deny and pause link
          </button>
        </div>
      ) : null}
    </Screen>
  );
}
