import { GITHUB_ACTIONS_ISSUER, GITLAB_COM_ISSUER, type LinkPolicy, type LinkPolicyInput } from "@countersign/shared";

/** Who issues the tokens, as the form offers it. */
export type PolicyProvider = "github" | "gitlab" | "custom";

/** A link policy as typed into the form: every field a string or a flag, nothing validated yet. */
export interface PolicyDraft {
  provider: PolicyProvider;
  /** Issuer URL for `custom` (a self-managed GitLab, a GitHub Enterprise Server). */
  issuerUrl: string;
  repository: string;
  ref: string;
  allowTags: boolean;
  workflow: string;
  environment: string;
  eventName: string;
  hostedRunnersOnly: boolean;
}

export function emptyPolicyDraft(): PolicyDraft {
  return {
    provider: "github",
    issuerUrl: "",
    repository: "",
    ref: "",
    allowTags: false,
    workflow: "",
    environment: "",
    eventName: "",
    hostedRunnersOnly: false,
  };
}

/** The form's values for an existing policy, to edit it. */
export function draftFromPolicy(policy: LinkPolicy): PolicyDraft {
  const provider: PolicyProvider =
    policy.issuer === GITHUB_ACTIONS_ISSUER ? "github" : policy.issuer === GITLAB_COM_ISSUER ? "gitlab" : "custom";
  return {
    provider,
    issuerUrl: provider === "custom" ? policy.issuer : "",
    repository: policy.repository,
    ref: policy.ref ?? "",
    allowTags: policy.allowTags,
    workflow: policy.workflow ?? "",
    environment: policy.environment ?? "",
    eventName: policy.eventName ?? "",
    hostedRunnersOnly: policy.hostedRunnersOnly,
  };
}

function issuerOf(draft: PolicyDraft): string {
  if (draft.provider === "github") return GITHUB_ACTIONS_ISSUER;
  if (draft.provider === "gitlab") return GITLAB_COM_ISSUER;
  return draft.issuerUrl.trim().replace(/\/+$/, "");
}

/**
 * The policy to send: empty fields left out, so they impose no condition.
 * The server validates it and says what is wrong; a policy whose audience
 * was set elsewhere keeps it (`keep`).
 */
export function policyFromDraft(draft: PolicyDraft, keep: Pick<LinkPolicyInput, "audience"> = {}): LinkPolicyInput {
  const optional = (value: string) => {
    const trimmed = value.trim();
    return trimmed === "" ? undefined : trimmed;
  };
  const fields = {
    ref: optional(draft.ref),
    workflow: optional(draft.workflow),
    environment: optional(draft.environment),
    eventName: optional(draft.eventName),
    audience: keep.audience,
  };
  const policy: LinkPolicyInput = {
    issuer: issuerOf(draft),
    repository: draft.repository.trim(),
    allowTags: draft.allowTags,
    hostedRunnersOnly: draft.hostedRunnersOnly,
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) (policy as Record<string, unknown>)[name] = value;
  }
  return policy;
}
