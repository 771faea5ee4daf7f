import { useEffect, useLayoutEffect, useMemo, useState } from "react";
import { revealApp } from "../../firstPaint.js";
import { type AccountInfo, displayName } from "../../vault/vault.js";
import { groupCode } from "../format.js";
import { Link } from "../Link.js";
import { RecoveryCodeCard } from "../recovery.js";
import { useAccounts, useDevice, useServices } from "../state.js";
import { copyText } from "../toast.js";
import { useNow } from "../useNow.js";
import { PendingRequests } from "./PendingRequests.js";

type CodeState = Record<string, { otp: string; notAfter: number }>;

/** Current codes for the accounts, recomputed as each one's step ends. */
function useCodes(accounts: AccountInfo[] | undefined, now: number): CodeState {
  const { vault } = useServices();
  const [codes, setCodes] = useState<CodeState>({});
  useEffect(() => {
    if (!accounts) return;
    // A passkey account has no code to compute.
    const stale = accounts.filter((a) => a.kind === "totp" && (codes[a.id]?.notAfter ?? 0) <= now);
    if (stale.length === 0) return;
    let cancelled = false;
    void Promise.all(stale.map(async (a) => [a.id, await vault.currentCode(a.id, now)] as const)).then((entries) => {
      if (cancelled) return;
      setCodes((previous) => {
        const next = { ...previous };
        for (const [id, code] of entries) if (code) next[id] = code;
        return next;
      });
    });
    return () => {
      cancelled = true;
    };
  }, [accounts, now, codes, vault]);
  return codes;
}

/**
 * "9s" as wide as "10s": one or two digits take the same room (a figure space is a digit's width),
 * so the text does not move when 10 turns into 9, or when the placeholder's period gives way to the
 * seconds left (a layout shift, however small).
 */
function countdownText(seconds: number): string {
  return `${String(seconds).padStart(2, "\u2007")}s`;
}

function Countdown({ notAfter, period, now }: { notAfter: number; period: number; now: number }) {
  const left = Math.max(0, Math.ceil((notAfter - now) / 1000));
  const fraction = Math.min(1, left / period);
  return (
    <span
      className={left <= 5 ? "countdown countdown-low" : "countdown"}
      role="timer"
      aria-label={`${left} seconds left`}
    >
      <span className="countdown-bar" aria-hidden="true">
        <span className="countdown-fill" style={{ transform: `scaleX(${fraction})` }} />
      </span>
      <span className="countdown-text" aria-hidden="true">
        {countdownText(left)}
      </span>
    </span>
  );
}

function DetailsLink({ account }: { account: AccountInfo }) {
  return (
    <Link
      to={`/accounts/${encodeURIComponent(account.id)}`}
      className="icon-button"
      aria-label={`Details for ${displayName(account)}`}
    >
      <span aria-hidden="true">›</span>
    </Link>
  );
}

function AccountName({ account }: { account: AccountInfo }) {
  return (
    <span className="code-name">
      {account.issuer ? <span className="code-issuer">{account.issuer}</span> : null}
      <span className="code-label">{account.label}</span>
    </span>
  );
}

/** A passkey account: no code to copy, so a tap opens the account (its links and history). */
function PasskeyRow({ account }: { account: AccountInfo }) {
  return (
    <li className="code-row">
      <Link to={`/accounts/${encodeURIComponent(account.id)}`} className="code-main">
        <AccountName account={account} />
        <span className="code-passkey">Passkey · approvals open {account.issuer || "the registry"}'s page</span>
      </Link>
      <div className="code-side">
        <DetailsLink account={account} />
      </div>
    </li>
  );
}

function CodeRow({ account, code, now }: { account: AccountInfo; code: CodeState[string] | undefined; now: number }) {
  if (account.kind === "passkey") return <PasskeyRow account={account} />;
  return (
    <li className="code-row">
      <button
        type="button"
        className="code-main"
        onClick={() => code && void copyText(code.otp, "Code")}
        aria-describedby="copy-hint"
      >
        <AccountName account={account} />
        <span className="code-value" data-testid="code">
          {code ? groupCode(code.otp) : "··· ···"}
        </span>
      </button>
      <div className="code-side">
        {code ? (
          <Countdown notAfter={code.notAfter} period={account.period} now={now} />
        ) : (
          <span className="countdown countdown-pending" aria-hidden="true">
            <span className="countdown-bar" />
            <span className="countdown-text">{countdownText(account.period)}</span>
          </span>
        )}
        <DetailsLink account={account} />
      </div>
    </li>
  );
}

/** The first screen: every account's code, tap to copy. */
export function Home() {
  const accounts = useAccounts();
  const device = useDevice();
  const now = useNow(1000);
  const codes = useCodes(accounts, now);
  const [query, setQuery] = useState("");
  // The pairing banner and the list (or the empty state) appear together, once both are read:
  // one arriving before the other would push it down the screen.
  const ready = accounts !== undefined && device !== undefined;
  useLayoutEffect(() => {
    if (ready) revealApp();
  }, [ready]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (accounts ?? []).filter((a) => !q || displayName(a).toLowerCase().includes(q));
  }, [accounts, query]);

  return (
    <>
      <header className="topbar">
        <h1 className="brand">Countersign</h1>
        <Link to="/settings" className="icon-button" aria-label="Settings">
          <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
            <path
              fill="currentColor"
              d="M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7Zm8.6 4.7-.1-2.4 2-1.6-2-3.4-2.4.9a8 8 0 0 0-2-1.2L15.7 3h-4l-.4 2.5a8 8 0 0 0-2 1.2L7 5.8 5 9.2l2 1.6v2.4l-2 1.6 2 3.4 2.4-.9a8 8 0 0 0 2 1.2l.4 2.5h4l.4-2.5a8 8 0 0 0 2-1.2l2.4.9 2-3.4-2-1.6Z"
            />
          </svg>
        </Link>
      </header>
      <main className="screen" id="main">
        {ready && device === null ? (
          <div className="banner">
            <p>Pair this device with your Countersign server to approve CI requests.</p>
            <Link to="/pair" className="button button-secondary">
              Pair with server
            </Link>
          </div>
        ) : null}
        <RecoveryCodeCard />
        {device ? <PendingRequests /> : null}
        {!ready ? null : accounts.length > 0 ? (
          <>
            <label className="search">
              <span className="visually-hidden">Search accounts</span>
              <input
                type="search"
                placeholder="Search accounts"
                value={query}
                onChange={(event) => setQuery(event.target.value)}
              />
            </label>
            <p id="copy-hint" className="visually-hidden">
              Tap a code to copy it.
            </p>
            <ul className="codes" aria-label="Accounts">
              {shown.map((account) => (
                <CodeRow key={account.id} account={account} code={codes[account.id]} now={now} />
              ))}
            </ul>
            {shown.length === 0 ? <p className="empty">No account matches "{query}".</p> : null}
          </>
        ) : (
          <div className="empty">
            <h2>No accounts yet</h2>
            <p>Add the 2FA QR code of npm, GitHub or any registry to get codes here and approve CI requests.</p>
          </div>
        )}
      </main>
      <Link to="/add" className="fab">
        <span aria-hidden="true">+</span> Add account
      </Link>
    </>
  );
}
