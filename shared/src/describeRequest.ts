import type { ApprovalView, RegistryOperation } from "./protocol.js";

type Described = Pick<ApprovalView, "package" | "claimed" | "verified" | "account"> &
  Partial<Pick<ApprovalView, "operation" | "challenge">>;

/** Longest a claimed package or repository may take in a notification's title, so neither pushes the other out. */
const SHOWN_MAX = 60;

function bounded(text: string): string {
  return text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX - 1)}…` : text;
}

function packageSpec(pkg: { name: string; version?: string }): string {
  return bounded(`${pkg.name}${pkg.version ? `@${pkg.version}` : ""}`);
}

/**
 * What the registry was asked to do, as a phrase that completes "… to ":
 * "publish foo@1.2.3", "tag foo@1.2.3 as latest".
 */
export function describeOperation(operation: RegistryOperation): string {
  const name = operation.package?.name ?? "a package";
  const spec = operation.package ? packageSpec(operation.package) : name;
  switch (operation.action) {
    case "publish":
      return `publish ${spec}`;
    case "unpublish":
      return `unpublish ${spec}`;
    case "deprecate":
      return `deprecate or unpublish versions of ${name}`;
    case "dist-tag-add":
      return `tag ${spec} as ${operation.tag ?? "?"}`;
    case "dist-tag-rm":
      return `remove the tag ${operation.tag ?? "?"} from ${name}`;
    case "owner-change":
      return `change the owners of ${name}`;
    case "access":
      return `change who can access ${name}`;
    case "token":
      return "manage access tokens";
    case "profile":
      return "change account settings";
    case "other":
      return `${operation.method} ${operation.path} on ${operation.registry}`;
  }
}

/**
 * The question a notification asks: "Publish foo@1.2.3 from owner/repo?", or
 * for the registry's passkey page "npm asks for your passkey to publish
 * foo@1.2.3 from owner/repo". What the registry was asked (operation) comes
 * before what CI claimed (package).
 */
export function describeRequest(approval: Described): string {
  const repository = approval.verified?.repository ?? approval.claimed?.repository;
  const from = repository ? ` from ${bounded(repository)}` : "";
  const what = approval.operation
    ? describeOperation(approval.operation)
    : approval.package
      ? `publish ${packageSpec(approval.package)}`
      : approval.account.issuer
        ? `publish to ${approval.account.issuer} as ${approval.account.label}`
        : `publish as ${approval.account.label}`;
  if (approval.challenge?.type === "web") {
    return `${approval.account.issuer || "The registry"} asks for your passkey to ${what}${from}`;
  }
  return `${what.charAt(0).toUpperCase()}${what.slice(1)}${from}?`;
}

/** What the phone says of a request made by a plain GET of the link URL (no body, so no context). */
export const PLAIN_GET_WARNING =
  "Asked by a plain GET of the link — chat previews and link scanners do this; deny if you did not run it.";
