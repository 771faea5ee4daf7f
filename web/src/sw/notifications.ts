import type { PushPayload } from "@countersign/shared";
import type { AnswerOutcome } from "../approval/answer.js";
import { notificationTag, type WorkerMessage } from "../sw-bridge/messages.js";

/**
 * The service worker's decisions as plain functions, so tests can run them
 * directly: a synthetic `notificationclick` cannot open or focus windows.
 */

export const APPROVE_ACTION = "approve";
export const DENY_ACTION = "deny";

/** What a notification carries: ids and the screen to open, never a seed or a code. */
export interface ApprovalNotificationData {
  /** A question to answer, or the report of an answer given from the notification. */
  kind: "question" | "outcome";
  requestId: string;
  accountId: string;
  url: string;
  expiresAt: number;
  /** The answer needs the approval screen (a web challenge, a run offer, a passkey account): Approve opens it. */
  needsScreen?: true;
}

export interface NotificationSpec {
  title: string;
  options: NotificationOptions & { actions?: { action: string; title: string }[]; data: ApprovalNotificationData };
}

export function approvalPath(requestId: string): string {
  return `/approve/${encodeURIComponent(requestId)}`;
}

export { notificationTag };

/** Accepts a push message's JSON only if it has the shape of a {@link PushPayload}. */
export function parsePushPayload(data: unknown): PushPayload | undefined {
  if (!data || typeof data !== "object") return undefined;
  const p = data as Record<string, unknown>;
  if (p.v !== 1) return undefined;
  if (p.type === "security" && typeof p.title === "string") {
    return {
      v: 1,
      type: "security",
      title: p.title,
      body: typeof p.body === "string" ? p.body : "",
      at: typeof p.at === "number" ? p.at : 0,
    };
  }
  if (typeof p.requestId !== "string" || !p.requestId) return undefined;
  if (p.type === "approval" && typeof p.accountId === "string" && typeof p.title === "string") {
    return {
      v: 1,
      type: "approval",
      requestId: p.requestId,
      accountId: p.accountId,
      title: p.title,
      body: typeof p.body === "string" ? p.body : "",
      expiresAt: typeof p.expiresAt === "number" ? p.expiresAt : 0,
      ...(p.needsScreen === true ? { needsScreen: true as const } : {}),
      ...(p.unverified === true ? { unverified: true as const } : {}),
    };
  }
  if (p.type === "answered" && typeof p.status === "string") {
    return {
      v: 1,
      type: "answered",
      requestId: p.requestId,
      status: p.status as Extract<PushPayload, { type: "answered" }>["status"],
      answeredBy: typeof p.answeredBy === "string" ? p.answeredBy : "",
    };
  }
  return undefined;
}

/**
 * The notification for a CI request: its question, Approve/Deny actions, the
 * ids needed to act. A request that needs the approval screen (the
 * registry's passkey page to open, or a run offer to decide on) gets no
 * one-tap Approve: tapping the notification opens the screen; Deny stays.
 * Neither does a request for a passkey account (`noCode`: this phone holds
 * it without a seed), which cannot be approved with a code at all; the
 * screen says why. Nor does a request whose context is entirely claimed by
 * CI (`unverified`), unless the user allowed one-tap for those (Settings →
 * Notifications).
 */
export function approvalNotification(
  request: Extract<PushPayload, { type: "approval" }>,
  options: { noCode?: boolean; oneTapUnverified?: boolean } = {},
): NotificationSpec {
  const payload =
    request.unverified && !options.oneTapUnverified ? { ...request, needsScreen: true as const } : request;
  const deny = { action: DENY_ACTION, title: "Deny" };
  const needsScreen = payload.needsScreen || options.noCode;
  // A web challenge's question already says to open the registry's page; a request for a code needs the reason.
  const body =
    options.noCode && !request.needsScreen
      ? `${payload.body}\nThis phone has no code for this account. Tap to review.`
      : payload.body;
  return {
    title: payload.title,
    options: {
      body,
      tag: notificationTag(payload.requestId),
      requireInteraction: true,
      icon: "/icons/icon-192.png",
      badge: "/icons/favicon-32.png",
      actions: needsScreen ? [deny] : [{ action: APPROVE_ACTION, title: "Approve" }, deny],
      data: {
        kind: "question",
        requestId: payload.requestId,
        accountId: payload.accountId,
        url: approvalPath(payload.requestId),
        expiresAt: payload.expiresAt,
        ...(needsScreen ? { needsScreen: true as const } : {}),
      },
    },
  };
}

/** A change of who can answer (a device paired or removed, a recovery code used): tapping it opens Settings. */
export function securityNotification(payload: Extract<PushPayload, { type: "security" }>): {
  title: string;
  options: NotificationOptions;
} {
  return {
    title: payload.title,
    options: {
      body: payload.body,
      tag: `countersign-security-${payload.at}`,
      icon: "/icons/icon-192.png",
      badge: "/icons/favicon-32.png",
      data: { kind: "security", url: "/settings" },
    },
  };
}

export function isApprovalNotificationData(data: unknown): data is ApprovalNotificationData {
  return !!data && typeof data === "object" && typeof (data as { requestId?: unknown }).requestId === "string";
}

export type ClickPlan =
  | { kind: "approve"; requestId: string }
  | { kind: "deny"; requestId: string }
  | { kind: "open"; url: string };

/** What a click on a notification (its body or one of its actions) should do. */
export function planNotificationClick(action: string, data: unknown): ClickPlan {
  if (!isApprovalNotificationData(data)) {
    const url = (data as { url?: unknown } | null)?.url;
    return { kind: "open", url: typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : "/" };
  }
  // A platform that shows actions it was not given (or an old notification) still cannot approve one-tap.
  if (action === APPROVE_ACTION && data.needsScreen) return { kind: "open", url: approvalPath(data.requestId) };
  if (action === APPROVE_ACTION) return { kind: "approve", requestId: data.requestId };
  if (action === DENY_ACTION) return { kind: "deny", requestId: data.requestId };
  return { kind: "open", url: approvalPath(data.requestId) };
}

/** The follow-up notification after acting from a notification, so the user knows what happened. */
export function outcomeNotification(
  requestId: string,
  outcome: AnswerOutcome,
): { title: string; options: NotificationOptions } {
  const title =
    outcome.kind === "approved"
      ? "Approved: the code was sent to CI"
      : outcome.kind === "opened"
        ? "Opened the registry's passkey page"
        : outcome.kind === "denied"
          ? "Denied"
          : outcome.kind === "already_answered"
            ? `Already ${outcome.status} on ${outcome.deviceName}`
            : outcome.kind === "expired"
              ? "This request has expired"
              : "Could not answer";
  const body = outcome.kind === "error" ? `${outcome.message} Tap to open the request.` : "";
  return {
    title,
    options: {
      body,
      tag: notificationTag(requestId),
      icon: "/icons/icon-192.png",
      data: {
        kind: "outcome",
        requestId,
        accountId: "",
        url: approvalPath(requestId),
        expiresAt: 0,
      } satisfies ApprovalNotificationData,
    },
  };
}

export interface WindowLike {
  url: string;
  focused?: boolean;
  focus(): Promise<unknown>;
  postMessage(message: WorkerMessage): void;
}

export interface ClickDeps {
  origin: string;
  matchWindows(): Promise<readonly WindowLike[]>;
  openWindow(url: string): Promise<unknown>;
  approve(requestId: string): Promise<AnswerOutcome>;
  deny(requestId: string): Promise<AnswerOutcome>;
  showNotification(title: string, options: NotificationOptions): Promise<void>;
  /** Tells open app windows, so a screen showing the request updates. */
  notifyWindows(message: WorkerMessage): Promise<void>;
  /** Whether this device's approvals need its passkey (a worker cannot ask for one: the app must). */
  requiresPasskey?(): Promise<boolean>;
}

/** Chooses the app window to reuse: a focused one of ours first, then any of ours. */
export function pickWindow<T extends WindowLike>(windows: readonly T[], origin: string): T | undefined {
  const ours = windows.filter((w) => w.url.startsWith(`${origin}/`) || w.url === origin);
  return ours.find((w) => w.focused) ?? ours[0];
}

/**
 * Runs a notification click: Approve and Deny answer from the worker without
 * opening the app; a tap on the body opens (or focuses) the approval screen.
 * When the device requires its passkey, Approve opens the approval screen too:
 * only a window can ask for the passkey.
 */
export async function handleNotificationClick(action: string, data: unknown, deps: ClickDeps): Promise<ClickPlan> {
  let plan = planNotificationClick(action, data);
  if (plan.kind === "approve" && (await deps.requiresPasskey?.())) {
    plan = { kind: "open", url: approvalPath(plan.requestId) };
  }
  if (plan.kind === "open") {
    const existing = pickWindow(await deps.matchWindows(), deps.origin);
    const match = /^\/approve\/(.+)$/.exec(plan.url);
    if (existing && match?.[1]) {
      existing.postMessage({ type: "open-approval", requestId: decodeURIComponent(match[1]) });
      await existing.focus();
    } else {
      await deps.openWindow(plan.url);
    }
    return plan;
  }
  const outcome = plan.kind === "approve" ? await deps.approve(plan.requestId) : await deps.deny(plan.requestId);
  const note = outcomeNotification(plan.requestId, outcome);
  await deps.showNotification(note.title, note.options);
  if (outcome.kind === "approved" || outcome.kind === "denied") {
    await deps.notifyWindows({
      type: "request-answered",
      requestId: plan.requestId,
      status: outcome.kind,
      answeredBy: "this device",
    });
  }
  return plan;
}
