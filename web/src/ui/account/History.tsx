import { type AuditEntry, describeOperation } from "@countersign/shared";
import { useEffect, useState } from "react";
import { clockTime } from "../format.js";
import { ErrorText } from "../Screen.js";
import { useServices } from "../state.js";

const OUTCOME_TEXT: Record<AuditEntry["outcome"], string> = {
  pending: "Waiting",
  approved: "Approved",
  delivered: "Approved, code delivered",
  denied: "Denied",
  expired: "Expired",
  policy_refused: "Refused by policy",
  rate_limited: "Rate limited",
  paused: "Link paused",
};

/** What a request asked for: the operation read from the publish request, else what CI claimed. */
function whatWasAsked(entry: AuditEntry): string {
  if (entry.operation) {
    const words = describeOperation(entry.operation);
    return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
  }
  return entry.package ? `${entry.package.name}${entry.package.version ? `@${entry.package.version}` : ""}` : "";
}

/** How an approval went beyond one code: the registry's passkey page opened, or the rest of a run covered. */
function approvalDetail(entry: AuditEntry, issuer: string): string {
  if (entry.outcome !== "approved" && entry.outcome !== "delivered") return "";
  if (entry.challenge === "web") return ` · opened ${issuer || "the registry"}'s passkey page`;
  if (entry.runUntil) return ` · covered the run until ${clockTime(entry.runUntil)}`;
  return "";
}

function HistoryItem({ entry, issuer }: { entry: AuditEntry; issuer: string }) {
  const asked = whatWasAsked(entry);
  const outcome =
    entry.challenge === "web" && entry.outcome === "delivered"
      ? "Approved, CI told"
      : (OUTCOME_TEXT[entry.outcome] ?? entry.outcome);
  const repository = entry.verified?.repository ?? entry.claimed?.repository;
  return (
    <li className="history-item">
      <div className="history-head">
        <span className={`badge badge-${entry.outcome}`}>{outcome}</span>
        <time dateTime={new Date(entry.at).toISOString()}>{new Date(entry.at).toLocaleString()}</time>
      </div>
      <p>
        {asked || "Code request"}
        {repository ? ` from ${repository}` : ""} · {entry.linkName}
        {entry.count && entry.count > 1 ? ` · ${entry.count} calls within a minute` : ""}
      </p>
      <p className="hint">
        {entry.requester.ip}
        {entry.answeredBy ? ` · answered on ${entry.answeredBy.deviceName}` : ""}
        {approvalDetail(entry, issuer)}
        {entry.message ? ` · ${entry.message}` : ""}
      </p>
    </li>
  );
}

/**
 * The account's past requests from the server's audit log, and apart from
 * them the calls that were refused (paused link, limits, policy), so a flood
 * of refusals never hides a real request.
 */
export function History({ serverId, issuer = "" }: { serverId: string; issuer?: string }) {
  const { api } = useServices();
  const [entries, setEntries] = useState<AuditEntry[] | undefined>();
  const [error, setError] = useState("");
  useEffect(() => {
    void api
      .call<AuditEntry[] | { entries: AuditEntry[] }>("GET", `/api/v1/accounts/${encodeURIComponent(serverId)}/history`)
      .then((result) => {
        if (!result.ok) return setError(result.message);
        setEntries(Array.isArray(result.data) ? result.data : (result.data?.entries ?? []));
      });
  }, [api, serverId]);
  const requests = entries?.filter((entry) => entry.requestId !== null);
  const refusals = entries?.filter((entry) => entry.requestId === null);
  return (
    <section className="section" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ErrorText>{error}</ErrorText>
      {requests && requests.length === 0 ? <p className="hint">No requests yet.</p> : null}
      {requests && requests.length > 0 ? (
        <ul className="history" aria-label="Past requests">
          {requests.map((entry) => (
            <HistoryItem key={entry.id} entry={entry} issuer={issuer} />
          ))}
        </ul>
      ) : null}
      {refusals && refusals.length > 0 ? (
        <>
          <h3>Refused calls</h3>
          <p className="hint">
            Calls that never reached this phone: the link was paused, over its limits, or refused by its policy.
          </p>
          <ul className="history" aria-label="Refused calls">
            {refusals.map((entry) => (
              <HistoryItem key={entry.id} entry={entry} issuer={issuer} />
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
