import { describePolicy } from "@countersign/shared";
import { type ChangeEvent, type InputHTMLAttributes, useId } from "react";
import { SelectField } from "../SelectField.js";
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

/** A text input of the policy under its label (no capitals or spelling help), with an optional hint under it. */
function PolicyText({
  label,
  hint,
  ...input
}: { label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const hintId = useId();
  return (
    <label className="field">
      <span>{label}</span>
      <input autoCapitalize="off" spellCheck={false} aria-describedby={hint ? hintId : undefined} {...input} />
      {hint ? <small id={hintId}>{hint}</small> : null}
    </label>
  );
}

/**
 * The inputs of a link's policy: who issues the CI's OIDC token and which
 * repository, ref, workflow, environment, event and runners it must name.
 * Shows the resulting rule in words as it is typed.
 */
export function PolicyFields({ draft, onChange }: { draft: PolicyDraft; onChange: (draft: PolicyDraft) => void }) {
  const set = <K extends keyof PolicyDraft>(key: K, value: PolicyDraft[K]) => onChange({ ...draft, [key]: value });
  const text = (key: "repository" | "ref" | "workflow" | "environment" | "eventName") => ({
    value: draft[key],
    onChange: (event: ChangeEvent<HTMLInputElement>) => set(key, event.target.value),
  });
  const gitlab = draft.provider === "gitlab" || (draft.provider === "custom" && /gitlab/i.test(draft.issuerUrl));
  const wording = describeDraft(draft);
  return (
    <div className="policy-fields">
      <SelectField
        label="CI provider"
        value={draft.provider}
        choices={PROVIDERS}
        onChange={(provider) => set("provider", provider)}
      />
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
      <PolicyText
        label="Repository"
        {...text("repository")}
        placeholder={gitlab ? "group/project" : "owner/repo"}
        required
        maxLength={200}
        autoCorrect="off"
      />
      <PolicyText
        label="Branch or ref pattern (optional)"
        {...text("ref")}
        placeholder="main, release/*, refs/tags/v*"
        maxLength={255}
        hint="Empty: any branch. A bare name is a branch; refs/tags/… names tags."
      />
      <label className="check">
        <input type="checkbox" checked={draft.allowTags} onChange={(event) => set("allowTags", event.target.checked)} />
        <span>Also allow runs on any tag</span>
      </label>
      <PolicyText
        label="Workflow file (optional)"
        {...text("workflow")}
        placeholder={gitlab ? ".gitlab-ci.yml" : "release.yml"}
        maxLength={300}
      />
      <PolicyText label="Environment (optional)" {...text("environment")} placeholder="npm" maxLength={255} />
      <PolicyText
        label="Event (optional)"
        {...text("eventName")}
        placeholder={gitlab ? "push, web, schedule" : "push, release, workflow_dispatch"}
        maxLength={60}
      />
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
