import { type CreatedLink, describePolicy, type LinkPolicyInput, type LinkView } from "@countersign/shared";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { callWithPasskey } from "../../passkey/passkeyGuard.js";
import { ConfirmDialog, useConfirm } from "../ConfirmDialog.js";
import { relativeTime } from "../format.js";
import { ErrorText } from "../Screen.js";
import { settle } from "../settle.js";
import { useServices } from "../state.js";
import { copyText, showToast } from "../toast.js";
import { PolicyFields } from "./PolicyFields.js";
import { draftFromPolicy, emptyPolicyDraft, type PolicyDraft, policyFromDraft } from "./policyDraft.js";
import { ciRecipes } from "./recipes.js";

function CreatedLinkPanel({ created, noCode, onDone }: { created: CreatedLink; noCode: boolean; onDone: () => void }) {
  return (
    <section className="card created-link" aria-labelledby="created-link-title">
      <h3 id="created-link-title">CI link "{created.link.name}" created</h3>
      <p className="warning">
        Copy it now: the token is shown only this once. Store it as the CI secret COUNTERSIGN_URL.
      </p>
      <label className="field">
        <span>Link URL</span>
        <input readOnly value={created.url} onFocus={(event) => event.target.select()} />
      </label>
      <button type="button" className="button button-secondary" onClick={() => void copyText(created.url, "Link URL")}>
        Copy link URL
      </button>
      <label className="field">
        <span>Token</span>
        <input readOnly value={created.token} onFocus={(event) => event.target.select()} />
      </label>
      <button type="button" className="button button-secondary" onClick={() => void copyText(created.token, "Token")}>
        Copy token
      </button>
      <h4>Recipes</h4>
      {ciRecipes(new URL(created.url).origin, { noCode }).map((recipe) => (
        <div key={recipe.title} className="recipe">
          <div className="recipe-head">
            <span>{recipe.title}</span>
            <button
              type="button"
              className="button button-small button-secondary"
              onClick={() => void copyText(recipe.text, recipe.title)}
            >
              Copy <span className="visually-hidden">{recipe.title}</span>
            </button>
          </div>
          <pre>
            <code>{recipe.text}</code>
          </pre>
        </div>
      ))}
      <button type="button" className="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function LinkItem({ link, onChange }: { link: LinkView; onChange: () => void }) {
  const { api } = useServices();
  const [renaming, setRenaming] = useState(false);
  const { confirming, error, setError, open, close, confirmWith } = useConfirm();
  const [editingPolicy, setEditingPolicy] = useState(false);
  const [draft, setDraft] = useState<PolicyDraft>(() =>
    link.policy ? draftFromPolicy(link.policy) : emptyPolicyDraft(),
  );
  const [name, setName] = useState(link.name);
  const patch = async (body: { name?: string; paused?: boolean; policy?: LinkPolicyInput | null }) => {
    const path = `/api/v1/links/${encodeURIComponent(link.id)}`;
    // Changing the policy or resuming widens who can cause a prompt: with the passkey required, it asks for it.
    const widens = body.policy !== undefined || (body.paused === false && link.paused);
    const result = await settle(() =>
      widens ? callWithPasskey(api, "widen_link", "PATCH", path, body) : api.call("PATCH", path, body),
    );
    if (!result.ok) return setError(result.message);
    setError("");
    setRenaming(false);
    setEditingPolicy(false);
    if (body.policy !== undefined)
      showToast(body.policy ? `Policy of ${link.name} saved` : `Policy of ${link.name} removed`);
    onChange();
  };
  const revoke = confirmWith(
    () => api.call("DELETE", `/api/v1/links/${encodeURIComponent(link.id)}`),
    () => {
      showToast(`Revoked ${link.name}`);
      onChange();
    },
  );
  return (
    <li className="link-item">
      <div className="link-head">
        <span className="link-name">{link.name}</span>
        <code className="link-hint">{link.tokenHint}</code>
        {link.paused ? <span className="badge badge-warn">Paused</span> : null}
      </div>
      <p className="link-meta">Last used {relativeTime(link.lastUsedAt)}</p>
      {link.policy ? (
        <p className="link-policy">
          <span className="badge badge-verified">Verified CI only</span> {describePolicy(link.policy)}
        </p>
      ) : (
        <p className="hint link-nudge">
          Any job holding this link can ask for a code. Add a policy so only your repository's workflow can.
        </p>
      )}
      {editingPolicy ? (
        <form
          className="policy-form"
          aria-label={`Policy of ${link.name}`}
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            void patch({ policy: policyFromDraft(draft, link.policy ?? {}) });
          }}
        >
          <PolicyFields draft={draft} onChange={setDraft} />
          <div className="link-actions">
            <button type="submit" className="button button-small">
              Save policy
            </button>
            {link.policy ? (
              <button
                type="button"
                className="button button-small button-danger"
                onClick={() => void patch({ policy: null })}
              >
                Remove policy
              </button>
            ) : null}
            <button
              type="button"
              className="button button-small button-secondary"
              onClick={() => setEditingPolicy(false)}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : renaming ? (
        <form
          className="inline-form"
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            void patch({ name });
          }}
        >
          <label className="field">
            <span>Link name</span>
            <input value={name} onChange={(event) => setName(event.target.value)} maxLength={80} required />
          </label>
          <button type="submit" className="button button-small">
            Save
          </button>
          <button type="button" className="button button-small button-secondary" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div className="link-actions">
          <button type="button" className="button button-small button-secondary" onClick={() => setRenaming(true)}>
            Rename <span className="visually-hidden">{link.name}</span>
          </button>
          <button
            type="button"
            className="button button-small button-secondary"
            onClick={() => {
              setDraft(link.policy ? draftFromPolicy(link.policy) : emptyPolicyDraft());
              setEditingPolicy(true);
            }}
          >
            {link.policy ? "Edit policy" : "Add policy"} <span className="visually-hidden">of {link.name}</span>
          </button>
          {link.paused ? (
            <button
              type="button"
              className="button button-small button-secondary"
              onClick={() => void patch({ paused: false })}
            >
              Resume <span className="visually-hidden">{link.name}</span>
            </button>
          ) : null}
          <button type="button" className="button button-small button-danger" onClick={open}>
            Revoke <span className="visually-hidden">{link.name}</span>
          </button>
        </div>
      )}
      {confirming ? (
        <ConfirmDialog
          title={`Revoke ${link.name}?`}
          confirmLabel="Revoke link"
          destructive
          onConfirm={revoke}
          onCancel={close}
          error={error}
        >
          <p>CI using "{link.name}" will stop getting codes. This cannot be undone.</p>
        </ConfirmDialog>
      ) : (
        <ErrorText>{error}</ErrorText>
      )}
    </li>
  );
}

/** An account's CI links: create (token shown once), list with last use, rename, pause state, revoke. */
/** `noCode`: the account is a passkey account, so no recipe fetches a code first. */
export function Links({ serverId, noCode = false }: { serverId: string; noCode?: boolean }) {
  const { api } = useServices();
  const [links, setLinks] = useState<LinkView[] | undefined>();
  const [created, setCreated] = useState<CreatedLink | undefined>();
  const [name, setName] = useState("GitHub Actions");
  const [guarded, setGuarded] = useState(false);
  const [draft, setDraft] = useState<PolicyDraft>(emptyPolicyDraft);
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    const result = await api.call<LinkView[] | { links: LinkView[] }>(
      "GET",
      `/api/v1/accounts/${encodeURIComponent(serverId)}/links`,
    );
    if (!result.ok) return setError(result.message);
    const list = Array.isArray(result.data) ? result.data : (result.data?.links ?? []);
    setLinks(list.filter((link) => !link.revokedAt));
  }, [api, serverId]);

  useEffect(() => {
    void load();
  }, [load]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError("");
    const result = await settle(() =>
      callWithPasskey<CreatedLink>(
        api,
        "create_link",
        "POST",
        `/api/v1/accounts/${encodeURIComponent(serverId)}/links`,
        {
          name,
          ...(guarded ? { policy: policyFromDraft(draft) } : {}),
        },
      ),
    );
    if (!result.ok) return setError(result.message);
    setCreated(result.data);
    setGuarded(false);
    setDraft(emptyPolicyDraft());
    void load();
  };

  return (
    <section className="section" aria-labelledby="links-title">
      <h2 id="links-title">CI links</h2>
      {created ? (
        <CreatedLinkPanel created={created} noCode={noCode} onDone={() => setCreated(undefined)} />
      ) : (
        <form className="inline-form" onSubmit={create}>
          <label className="field">
            <span>Link name</span>
            <input value={name} onChange={(event) => setName(event.target.value)} maxLength={80} required />
          </label>
          <label className="check">
            <input type="checkbox" checked={guarded} onChange={(event) => setGuarded(event.target.checked)} />
            <span>Only answer a verified repository and workflow (recommended)</span>
          </label>
          {guarded ? <PolicyFields draft={draft} onChange={setDraft} /> : null}
          <button type="submit" className="button">
            Create CI link
          </button>
        </form>
      )}
      <ErrorText>{error}</ErrorText>
      {links && links.length > 0 ? (
        <ul className="links" aria-label="CI links">
          {links.map((link) => (
            <LinkItem key={link.id} link={link} onChange={() => void load()} />
          ))}
        </ul>
      ) : links ? (
        <p className="hint">No CI links yet. Create one per pipeline so each can be revoked on its own.</p>
      ) : null}
    </section>
  );
}
