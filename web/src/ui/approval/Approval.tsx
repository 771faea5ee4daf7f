import { type ApprovalView, describeRequest, PLAIN_GET_WARNING } from "@countersign/shared";
import { type ReactNode, useCallback, useEffect, useState } from "react";
import {
  type AnswerOutcome,
  answerOpened,
  approveRequest,
  denyRequest,
  fetchApproval,
  noCodeMessage,
} from "../../approval/answer.js";
import { planRun } from "../../approval/planRun.js";
import { prefetchedView, takePrefetchedApproval } from "../../approval/prefetch.js";
import { passkeyApprovalDeps } from "../../passkey/usePasskeySettings.js";
import { closeRequestNotification, onWorkerMessage } from "../../sw-bridge/index.js";
import { clockTime, formatDuration, urlHost } from "../format.js";
import { ErrorText, Screen } from "../Screen.js";
import { useServices } from "../state.js";
import { useNow } from "../useNow.js";
import { OperationFacts } from "./OperationFacts.js";
import { runLinkText } from "./runLinkText.js";

function Fact({
  term,
  value,
  verified,
  claimedOtherwise,
  warning,
}: {
  term: string;
  value: ReactNode;
  verified?: boolean | undefined;
  /** What CI claimed when its OIDC token proves something else. */
  claimedOtherwise?: string | undefined;
  /** A contradiction to point out, e.g. a claim the publish request does not bear out. */
  warning?: string | undefined;
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
        {warning ? <span className="badge badge-denied">{warning}</span> : null}
      </dd>
    </div>
  );
}

/** The name of the registry whose passkey page a web challenge opens: the account's issuer, else the page's host. */
function registryName(view: ApprovalView): string {
  if (view.account.issuer) return view.account.issuer;
  return view.challenge.type === "web" && view.challenge.authUrl ? urlHost(view.challenge.authUrl) : "the registry";
}

function outcomeText(outcome: AnswerOutcome, view: ApprovalView): string {
  switch (outcome.kind) {
    case "approved":
      return outcome.runUntil
        ? `Approved. Codes until ${clockTime(outcome.runUntil)} were sent to CI.`
        : "Approved. The code was sent to CI.";
    case "opened":
      return `Opened ${registryName(view)}'s passkey page. CI waits for ${registryName(view)} to confirm.`;
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
  // The request approve.html already drew (src/approval/prefetch.ts): the first render shows it, not
  // "Loading the request…", so the heading the phone shows stays as it is when the app takes over.
  const [view, setView] = useState<ApprovalView | undefined>(() => prefetchedView(requestId));
  const [loadError, setLoadError] = useState("");
  const [outcome, setOutcome] = useState<AnswerOutcome | undefined>();
  const [busy, setBusy] = useState(false);
  const [coverRun, setCoverRun] = useState(false);
  /** The account's TOTP period, to say how many codes covering the run takes. */
  const [period, setPeriod] = useState<number | undefined>();
  /** This phone holds the account without a seed (a passkey account): it cannot send a code. */
  const [noCode, setNoCode] = useState(false);
  const now = useNow(1000);

  const load = useCallback(async () => {
    const result = await (takePrefetchedApproval(requestId) ?? fetchApproval(services.api, requestId));
    if (!result.ok) return setLoadError(result.message);
    setView(result.data);
    const account = await services.vault.findByServerId(result.data.accountId);
    setPeriod(account?.kind === "totp" ? account.period : undefined);
    setNoCode(account?.kind === "passkey");
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
  const authUrl = view.challenge.type === "web" ? view.challenge.authUrl : undefined;
  const run = period && view.publicKey ? planRun(view, period, now) : null;
  const ciPackage = view.operation?.package;
  const claimedOtherPackage =
    pkg && ciPackage && pkg !== `${ciPackage.name}${ciPackage.version ? `@${ciPackage.version}` : ""}`;

  return (
    <Screen title="CI request">
      <h2 className="question">{describeRequest(view)}</h2>
      {view.operation ? <OperationFacts operation={view.operation} /> : null}
      {view.requester.method === "GET" ? <p className="warning">{PLAIN_GET_WARNING}</p> : null}
      {view.challenge.type === "web" ? (
        <p className="challenge-web">
          {registryName(view)} asks for your passkey on its own page
          {authUrl ? ` (${urlHost(authUrl)})` : ""}. “Open {registryName(view)}” opens it in your browser; use your
          passkey there. No code leaves this phone.
        </p>
      ) : noCode ? (
        <p className="warning" id="no-code">
          {noCodeMessage(view.account.issuer)}
        </p>
      ) : null}
      <dl className="facts">
        <Fact
          term="Account"
          value={view.account.issuer ? `${view.account.issuer}: ${view.account.label}` : view.account.label}
        />
        <Fact
          term="Package"
          value={pkg}
          verified={pkg ? false : undefined}
          warning={claimedOtherPackage ? "not what the publish request says" : undefined}
        />
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
                {runLinkText(runUrl.value)}
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
        <p className="hint">
          {view.operation
            ? "No OIDC token: the facts marked “claimed by CI” are what CI says about itself."
            : "No OIDC token: everything above is what CI claims about itself."}
        </p>
      ) : null}
      {outcome ? (
        <p className={`outcome outcome-${outcome.kind === "opened" ? "approved" : outcome.kind}`} role="status">
          {outcomeText(outcome, view)}
        </p>
      ) : null}
      {pending && run && view.challenge.type === "otp" && !noCode ? (
        <div className="run-option">
          <label className="check">
            <input type="checkbox" checked={coverRun} onChange={(event) => setCoverRun(event.target.checked)} />
            <span>
              Also cover the rest of this run — codes until {clockTime(run.until)} ({run.count} codes)
            </span>
          </label>
          <p className="hint">
            CI offers to take codes for the rest of its run. With this ticked, the job holds a code for every
            {` ${period}`} seconds until {clockTime(run.until)}, encrypted to its own key, and can use them without
            asking you again until then.
          </p>
        </div>
      ) : null}
      {pending ? (
        <div className="actions">
          {view.challenge.type === "web" ? (
            authUrl ? (
              // A real link: the browser opens the registry's page within the tap itself (iOS keeps
              // the user gesture), and the click also tells CI the page was opened.
              <a
                className="button button-approve"
                href={authUrl}
                target="_blank"
                rel="noopener noreferrer"
                aria-disabled={busy}
                onClick={(event) => {
                  if (busy) return event.preventDefault();
                  void act(() => answerOpened(services, requestId));
                }}
              >
                Open {registryName(view)}
              </a>
            ) : null
          ) : (
            <button
              type="button"
              className="button button-approve"
              disabled={busy || noCode}
              aria-describedby={noCode ? "no-code" : undefined}
              onClick={() =>
                void act(async () =>
                  approveRequest({ ...services, ...(await passkeyApprovalDeps()) }, requestId, {
                    coverRun: coverRun && run !== null,
                  }),
                )
              }
            >
              Approve
            </button>
          )}
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
