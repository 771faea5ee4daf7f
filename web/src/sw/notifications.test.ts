import { describe, expect, it, vi } from "vitest";
import type { WorkerMessage } from "../sw-bridge/messages.js";
import {
  approvalNotification,
  handleNotificationClick,
  notificationTag,
  parsePushPayload,
  pickWindow,
  planNotificationClick,
  type WindowLike,
} from "./notifications.js";

const ORIGIN = "http://localhost:8080";
const payload = {
  v: 1,
  type: "approval",
  requestId: "req_1",
  accountId: "acc_1",
  title: "Countersign",
  body: "Publish foo@1.2.3 from owner/repo?",
  expiresAt: 1_800_000_000_000,
} as const;

function fakeWindow(url: string, focused = false) {
  const messages: WorkerMessage[] = [];
  return {
    url,
    focused,
    messages,
    focus: vi.fn(async () => undefined),
    postMessage: (message: WorkerMessage) => messages.push(message),
  } satisfies WindowLike & { messages: WorkerMessage[] };
}

function deps(windows: WindowLike[] = []) {
  return {
    origin: ORIGIN,
    matchWindows: async () => windows,
    openWindow: vi.fn(async (_url: string) => undefined),
    approve: vi.fn(async (_id: string) => ({ kind: "approved" }) as const),
    deny: vi.fn(async (_id: string) => ({ kind: "denied", paused: false }) as const),
    showNotification: vi.fn(async (_title: string, _options: NotificationOptions) => undefined),
    notifyWindows: vi.fn(async (_message: WorkerMessage) => undefined),
  };
}

describe("push payloads", () => {
  it("accepts the two payload types and rejects anything else", () => {
    expect(parsePushPayload(payload)).toEqual(payload);
    expect(
      parsePushPayload({ v: 1, type: "answered", requestId: "req_1", status: "approved", answeredBy: "Pixel" }),
    ).toEqual({
      v: 1,
      type: "answered",
      requestId: "req_1",
      status: "approved",
      answeredBy: "Pixel",
    });
    expect(parsePushPayload({ v: 1, type: "security", title: "New device paired", body: "Tablet", at: 5 })).toEqual({
      v: 1,
      type: "security",
      title: "New device paired",
      body: "Tablet",
      at: 5,
    });
    expect(parsePushPayload({ ...payload, v: 2 })).toBeUndefined();
    expect(parsePushPayload("hello")).toBeUndefined();
    expect(parsePushPayload(undefined)).toBeUndefined();
  });

  it("shows the request's question with Approve and Deny, one notification per request, nothing secret", () => {
    const spec = approvalNotification(payload);
    expect(spec.title).toBe("Countersign");
    expect(spec.options.body).toBe("Publish foo@1.2.3 from owner/repo?");
    expect(spec.options.tag).toBe(notificationTag("req_1"));
    expect(spec.options.tag).not.toBe(notificationTag("req_2"));
    expect(spec.options.actions?.map((a) => a.title)).toEqual(["Approve", "Deny"]);
    expect(spec.options.data).toEqual({
      kind: "question",
      requestId: "req_1",
      accountId: "acc_1",
      url: "/approve/req_1",
      expiresAt: payload.expiresAt,
    });
  });
});

describe("requests that need the approval screen", () => {
  const web = { ...payload, title: "npm asks for your passkey to publish foo@1.2.3", needsScreen: true } as const;

  it("keeps the flag through the push payload and shows Deny only: tapping opens the screen", async () => {
    expect(parsePushPayload(web)).toEqual(web);
    const spec = approvalNotification(web);
    expect(spec.options.actions?.map((a) => a.title)).toEqual(["Deny"]);
    const d = deps();
    await handleNotificationClick("", spec.options.data, d);
    expect(d.openWindow).toHaveBeenCalledWith("/approve/req_1");
    await handleNotificationClick("deny", spec.options.data, d);
    expect(d.deny).toHaveBeenCalledWith("req_1");
  });

  it("an Approve action, should a platform show one, opens the screen instead of answering", async () => {
    const d = deps();
    expect(planNotificationClick("approve", approvalNotification(web).options.data)).toEqual({
      kind: "open",
      url: "/approve/req_1",
    });
    await handleNotificationClick("approve", approvalNotification(web).options.data, d);
    expect(d.approve).not.toHaveBeenCalled();
    expect(d.openWindow).toHaveBeenCalledWith("/approve/req_1");
  });
});

describe("notification clicks", () => {
  const data = approvalNotification(payload).options.data;

  it("plans approve, deny or open from the action", () => {
    expect(planNotificationClick("approve", data)).toEqual({ kind: "approve", requestId: "req_1" });
    expect(planNotificationClick("deny", data)).toEqual({ kind: "deny", requestId: "req_1" });
    expect(planNotificationClick("", data)).toEqual({ kind: "open", url: "/approve/req_1" });
    expect(planNotificationClick("approve", null)).toEqual({ kind: "open", url: "/" });
  });

  it("approves from the notification without opening the app, then says so", async () => {
    const d = deps();
    await handleNotificationClick("approve", data, d);
    expect(d.approve).toHaveBeenCalledWith("req_1");
    expect(d.openWindow).not.toHaveBeenCalled();
    expect(d.showNotification).toHaveBeenCalledWith(
      "Approved: the code was sent to CI",
      expect.objectContaining({ tag: notificationTag("req_1") }),
    );
    // An open approval screen for this request learns it was answered.
    expect(d.notifyWindows).toHaveBeenCalledWith({
      type: "request-answered",
      requestId: "req_1",
      status: "approved",
      answeredBy: "this device",
    });
  });

  it("with a passkey required, Approve opens the approval screen instead of answering; Deny still answers", async () => {
    const d = { ...deps(), requiresPasskey: async () => true };
    await handleNotificationClick("approve", data, d);
    expect(d.approve).not.toHaveBeenCalled();
    expect(d.openWindow).toHaveBeenCalledWith("/approve/req_1");
    expect(d.showNotification).not.toHaveBeenCalled();

    const open = fakeWindow(`${ORIGIN}/`);
    const withWindow = { ...deps([open]), requiresPasskey: async () => true };
    await handleNotificationClick("approve", data, withWindow);
    expect(withWindow.approve).not.toHaveBeenCalled();
    expect(open.messages).toEqual([{ type: "open-approval", requestId: "req_1" }]);

    await handleNotificationClick("deny", data, d);
    expect(d.deny).toHaveBeenCalledWith("req_1");
  });

  it("denies from the notification", async () => {
    const d = deps();
    await handleNotificationClick("deny", data, d);
    expect(d.deny).toHaveBeenCalledWith("req_1");
    expect(d.approve).not.toHaveBeenCalled();
    expect(d.showNotification.mock.calls[0]?.[0]).toBe("Denied");
  });

  it("reports another device's answer", async () => {
    const d = deps();
    d.approve.mockResolvedValueOnce({ kind: "already_answered", status: "approved", deviceName: "Laptop" } as never);
    await handleNotificationClick("approve", data, d);
    expect(d.showNotification.mock.calls[0]?.[0]).toBe("Already approved on Laptop");
  });

  it("opens Settings from a security notification, and only same-origin paths", () => {
    expect(planNotificationClick("", { kind: "security", url: "/settings" })).toEqual({
      kind: "open",
      url: "/settings",
    });
    expect(planNotificationClick("", { kind: "security", url: "//evil.example/" })).toEqual({ kind: "open", url: "/" });
    expect(planNotificationClick("", { kind: "security", url: "https://evil.example/" })).toEqual({
      kind: "open",
      url: "/",
    });
  });

  it("opens the approval screen when no app window is open", async () => {
    const d = deps([fakeWindow("https://elsewhere.example/")]);
    await handleNotificationClick("", data, d);
    expect(d.openWindow).toHaveBeenCalledWith("/approve/req_1");
  });

  it("reuses an open app window: tells it which request to show and focuses it", async () => {
    const background = fakeWindow(`${ORIGIN}/settings`);
    const focused = fakeWindow(`${ORIGIN}/`, true);
    const d = deps([background, focused]);
    await handleNotificationClick("", data, d);
    expect(d.openWindow).not.toHaveBeenCalled();
    expect(focused.messages).toEqual([{ type: "open-approval", requestId: "req_1" }]);
    expect(focused.focus).toHaveBeenCalled();
    expect(background.messages).toEqual([]);
  });

  it("picks only windows of its own origin", () => {
    const other = fakeWindow("http://localhost:80801/", true);
    const ours = fakeWindow(`${ORIGIN}/accounts/x`);
    expect(pickWindow([other, ours], ORIGIN)).toBe(ours);
    expect(pickWindow([other], ORIGIN)).toBeUndefined();
  });
});

describe("requests for a passkey account (no seed on this phone)", () => {
  it("a request for a code offers Deny only and says why; a tap opens the screen, nothing computes a code", async () => {
    const spec = approvalNotification(payload, { noCode: true });
    expect(spec.options.actions?.map((a) => a.title)).toEqual(["Deny"]);
    expect(spec.options.body).toBe(
      "Publish foo@1.2.3 from owner/repo?\nThis phone has no code for this account. Tap to review.",
    );
    const d = deps();
    await handleNotificationClick("approve", spec.options.data, d);
    expect(d.approve).not.toHaveBeenCalled();
    expect(d.openWindow).toHaveBeenCalledWith("/approve/req_1");
  });

  it("npm's passkey page keeps the registry's own question", () => {
    const web = { ...payload, body: 'npm: bob. Tap to review, then "Open npm".', needsScreen: true } as const;
    const spec = approvalNotification(web, { noCode: true });
    expect(spec.options.body).toBe(web.body);
    expect(spec.options.actions?.map((a) => a.title)).toEqual(["Deny"]);
  });
});

describe("requests whose context is entirely claimed by CI (issue 18)", () => {
  const unverified = { ...payload, unverified: true } as const;

  it("offer no one-tap Approve unless the user allowed it: Approve opens the screen", async () => {
    expect(parsePushPayload(unverified)).toEqual(unverified);
    const spec = approvalNotification(unverified);
    expect(spec.options.actions?.map((a) => a.title)).toEqual(["Deny"]);
    expect(planNotificationClick("approve", spec.options.data)).toEqual({ kind: "open", url: "/approve/req_1" });
    const allowed = approvalNotification(unverified, { oneTapUnverified: true });
    expect(allowed.options.actions?.map((a) => a.title)).toEqual(["Approve", "Deny"]);
    expect(planNotificationClick("approve", allowed.options.data)).toEqual({ kind: "approve", requestId: "req_1" });
  });
});
