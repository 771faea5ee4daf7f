import { type ApprovalView, describeRequest } from "@countersign/shared";
import { type ReactNode, useCallback, useEffect, useState } from "react";
import { type AnswerOutcome, approveRequest, denyRequest, fetchApproval } from "../../approval/answer.js";
import { passkeyApprovalDeps } from "../../passkey/usePasskeySettings.js";
import { closeRequestNotification, onWorkerMessage } from "../../sw-bridge/index.js";
import { formatDuration } from "../format.js";
import { ErrorText, Screen } from "../Screen.js";
import { useServices } from "../state.js";
import { useNow } from "../useNow.js";

function Fact({
  term,
  value,
  verified,
  claimedOtherwise,
}: {
  term: string;
  value: ReactNode;
  verified?: boolean | undefined;
  /** What CI claimed when its OIDC token proves something else. */
  claimedOtherwise?: string | undefined;
}) {
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
        {claimedOtherwise ? <span className="badge badge-denied">CI claimed “{claimedOtherwise}”</span> : null}
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
  // A fact proven by the OIDC token wins over what CI says about itself.
  const fact = (verifiedKey: string, claimedValue: string | undefined) => {
    const proven = verified[verifiedKey];
    if (proven) {
      const mismatch = claimedValue && claimedValue !== proven ? claimedValue : undefined;
      return { value: proven, verified: true, claimedOtherwise: mismatch };
    }
    return { value: claimedValue, verified: claimedValue ? false : undefined, claimedOtherwise: undefined };
  };
  const repository = fact("repository", claimed.repository);
  const workflow = fact("workflow", claimed.workflow);
  const ref = fact("ref", claimed.ref);
  const runUrl = fact("runUrl", claimed.runUrl);
  const sha = fact("sha", claimed.sha);
  const actor = fact("actor", claimed.actor);
  const event = fact("eventName", claimed.eventName);
  const environment = fact("environment", claimed.environment);
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
        <Fact
          term="Repository"
          value={repository.value}
          verified={repository.verified}
          claimedOtherwise={repository.claimedOtherwise}
        />
        <Fact
          term="Workflow"
          value={workflow.value}
          verified={workflow.verified}
          claimedOtherwise={workflow.claimedOtherwise}
        />
        {verified.jobWorkflow ? <Fact term="Reusable workflow" value={verified.jobWorkflow} verified /> : null}
        <Fact term="Ref" value={ref.value} verified={ref.verified} claimedOtherwise={ref.claimedOtherwise} />
        <Fact
          term="Run"
          value={
            runUrl.value && /^https?:\/\//.test(runUrl.value) ? (
              <a href={runUrl.value} target="_blank" rel="noopener noreferrer">
                {runUrl.value.replace(/^https?:\/\//, "")}
              </a>
            ) : (
              runUrl.value
            )
          }
          verified={runUrl.verified}
        />
        <Fact
          term="Commit"
          value={sha.value?.slice(0, 12)}
          verified={sha.verified}
          claimedOtherwise={sha.claimedOtherwise}
        />
        <Fact term="Actor" value={actor.value} verified={actor.verified} claimedOtherwise={actor.claimedOtherwise} />
        <Fact term="Event" value={event.value} verified={event.verified} claimedOtherwise={event.claimedOtherwise} />
        <Fact
          term="Environment"
          value={environment.value}
          verified={environment.verified}
          claimedOtherwise={environment.claimedOtherwise}
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
            onClick={() =>
              void act(async () => approveRequest({ ...services, ...(await passkeyApprovalDeps()) }, requestId))
            }
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
