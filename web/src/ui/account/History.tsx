import type { AuditEntry } from "@countersign/shared";
import { useEffect, useState } from "react";
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

/** The account's past requests from the server's audit log. */
export function History({ serverId }: { serverId: string }) {
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
  return (
    <section className="section" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ErrorText>{error}</ErrorText>
      {entries && entries.length === 0 ? <p className="hint">No requests yet.</p> : null}
      {entries && entries.length > 0 ? (
        <ul className="history" aria-label="Past requests">
          {entries.map((entry) => {
            const pkg = entry.package
              ? `${entry.package.name}${entry.package.version ? `@${entry.package.version}` : ""}`
              : "";
            const repository = entry.verified?.repository ?? entry.claimed?.repository;
            return (
              <li key={entry.id} className="history-item">
                <div className="history-head">
                  <span className={`badge badge-${entry.outcome}`}>{OUTCOME_TEXT[entry.outcome] ?? entry.outcome}</span>
                  <time dateTime={new Date(entry.at).toISOString()}>{new Date(entry.at).toLocaleString()}</time>
                </div>
                <p>
                  {pkg || "Code request"}
                  {repository ? ` from ${repository}` : ""} · {entry.linkName}
                </p>
                <p className="hint">
                  {entry.requester.ip}
                  {entry.answeredBy ? ` · answered on ${entry.answeredBy.deviceName}` : ""}
                  {entry.message ? ` · ${entry.message}` : ""}
                </p>
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}
