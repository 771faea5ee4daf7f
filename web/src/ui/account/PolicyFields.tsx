import { describePolicy } from "@countersign/shared";
import { useId } from "react";
import { type PolicyDraft, type PolicyProvider, policyFromDraft } from "./policyDraft.js";

const PROVIDERS: Array<{ value: PolicyProvider; label: string }> = [
  { value: "github", label: "GitHub Actions" },
  { value: "gitlab", label: "GitLab.com" },
  { value: "custom", label: "Self-managed GitLab or GitHub Enterprise" },
];

/** The one-line wording of a draft ("Only owner/repo, workflow release.yml, branch main"), or "" while incomplete. */
export function describeDraft(draft: PolicyDraft): string {
  if (!draft.repository.trim() || (draft.provider === "custom" && !draft.issuerUrl.trim())) return "";
  return describePolicy(policyFromDraft(draft));
}

/**
 * The inputs of a link's policy: who issues the CI's OIDC token and which
 * repository, ref, workflow, environment, event and runners it must name.
 * Shows the resulting rule in words as it is typed.
 */
export function PolicyFields({ draft, onChange }: { draft: PolicyDraft; onChange: (draft: PolicyDraft) => void }) {
  const id = useId();
  const set = <K extends keyof PolicyDraft>(key: K, value: PolicyDraft[K]) => onChange({ ...draft, [key]: value });
  const gitlab = draft.provider === "gitlab" || (draft.provider === "custom" && /gitlab/i.test(draft.issuerUrl));
  const wording = describeDraft(draft);
  return (
    <div className="policy-fields">
      <label className="field">
        <span>CI provider</span>
        <select value={draft.provider} onChange={(event) => set("provider", event.target.value as PolicyProvider)}>
          {PROVIDERS.map((provider) => (
            <option key={provider.value} value={provider.value}>
              {provider.label}
            </option>
          ))}
        </select>
      </label>
      {draft.provider === "custom" ? (
        <label className="field">
          <span>Issuer URL</span>
          <input
            type="url"
            value={draft.issuerUrl}
            onChange={(event) => set("issuerUrl", event.target.value)}
            placeholder="https://gitlab.example.com"
            required
            maxLength={300}
          />
          <small>Your GitLab's address, or https://HOST/_services/token for GitHub Enterprise Server.</small>
        </label>
      ) : null}
      <label className="field">
        <span>Repository</span>
        <input
          value={draft.repository}
          onChange={(event) => set("repository", event.target.value)}
          placeholder={gitlab ? "group/project" : "owner/repo"}
          required
          maxLength={200}
          autoCapitalize="off"
          autoCorrect="off"
          spellCheck={false}
        />
      </label>
      <label className="field">
        <span>Branch or ref pattern (optional)</span>
        <input
          value={draft.ref}
          onChange={(event) => set("ref", event.target.value)}
          placeholder="main, release/*, refs/tags/v*"
          maxLength={255}
          autoCapitalize="off"
          spellCheck={false}
          aria-describedby={`${id}-ref`}
        />
        <small id={`${id}-ref`}>Empty: any branch. A bare name is a branch; refs/tags/… names tags.</small>
      </label>
      <label className="check">
        <input type="checkbox" checked={draft.allowTags} onChange={(event) => set("allowTags", event.target.checked)} />
        <span>Also allow runs on any tag</span>
      </label>
      <label className="field">
        <span>Workflow file (optional)</span>
        <input
          value={draft.workflow}
          onChange={(event) => set("workflow", event.target.value)}
          placeholder={gitlab ? ".gitlab-ci.yml" : "release.yml"}
          maxLength={300}
          autoCapitalize="off"
          spellCheck={false}
        />
      </label>
      <label className="field">
        <span>Environment (optional)</span>
        <input
          value={draft.environment}
          onChange={(event) => set("environment", event.target.value)}
          placeholder="npm"
          maxLength={255}
          autoCapitalize="off"
          spellCheck={false}
        />
      </label>
      <label className="field">
        <span>Event (optional)</span>
        <input
          value={draft.eventName}
          onChange={(event) => set("eventName", event.target.value)}
          placeholder={gitlab ? "push, web, schedule" : "push, release, workflow_dispatch"}
          maxLength={60}
          autoCapitalize="off"
          spellCheck={false}
        />
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={draft.hostedRunnersOnly}
          onChange={(event) => set("hostedRunnersOnly", event.target.checked)}
        />
        <span>{gitlab ? "GitLab-hosted runners only" : "GitHub-hosted runners only"}</span>
      </label>
      <p className="policy-wording" aria-live="polite">
        {wording ? (
          <>
            <span className="visually-hidden">This link will answer: </span>
            {wording}
          </>
        ) : (
          "Name the repository to see the rule."
        )}
      </p>
    </div>
  );
}
