import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { type PushService, startPushService } from "../../../e2e/harness/push-service.js";
import { startTestApp, type TestApp } from "./startTestApp.js";
import { TestDevice } from "./TestDevice.js";

export interface AppSuite {
  /** The local Web Push service, shared by the suite's tests. */
  readonly push: PushService;
  /** The current test's app; throws before `start`. */
  readonly app: TestApp;
  /** Starts the test's app, allowed to push to `push` unless `options` say otherwise; closed after the test. */
  start(options?: Parameters<typeof startTestApp>[0]): Promise<TestApp>;
  /** Waits for the "answered" push to `endpoint` (it closes the notification) and expects it to say `closed`. */
  expectAnsweredPush(
    endpoint: string,
    closed: { requestId: string; status: string; answeredBy: string },
  ): Promise<void>;
}

/**
 * The set-up of an HTTP test file (or describe block): the push service
 * started before its first test and stopped after its last, and each test's
 * real app closed after the test. Call it at the top level of the file or block.
 */
export function appSuite(): AppSuite {
  let push: PushService | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    push = await startPushService();
  });
  afterAll(async () => {
    await push?.close();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  const pushService = () => {
    if (!push) throw new Error("the push service starts before the suite's first test");
    return push;
  };
  return {
    get push() {
      return pushService();
    },
    get app() {
      if (!app) throw new Error("no app: call start() in the test or a beforeEach");
      return app;
    },
    async expectAnsweredPush(endpoint, closed) {
      const message = await pushService().waitForMessage(
        (m) => m.endpoint === endpoint && (m.payload as { type?: string } | undefined)?.type === "answered",
      );
      expect(message.payload).toEqual({ v: 1, type: "answered", ...closed });
    },
    async start(options = {}) {
      app = await startTestApp({ pushAllow: [new URL(pushService().origin).host], ...options });
      return app;
    },
  };
}

export interface AppForFile {
  readonly app: TestApp;
  /** Paired as "Pixel", holding npm: alice with the CI link "CI". */
  readonly device: TestDevice;
  /** The token of that link. */
  readonly token: string;
}

/**
 * One real app for all of a test file's tests, with a paired device holding an
 * account and a CI link: started before the first test, closed after the last.
 * Call it at the top level of the file, before the file's own `beforeAll`.
 */
export function appForFile(options: Parameters<typeof startTestApp>[0] = {}): AppForFile {
  let state: { app: TestApp; device: TestDevice; token: string } | undefined;
  beforeAll(async () => {
    const app = await startTestApp(options);
    const device = await TestDevice.pair(app.url, { setupCode: app.setupCode }, "Pixel");
    state = { app, device, token: (await device.addAccountWithLink()).token };
  });
  afterAll(async () => {
    await state?.app.close();
  });
  const current = () => {
    if (!state) throw new Error("the file's app starts before its first test");
    return state;
  };
  return {
    get app() {
      return current().app;
    },
    get device() {
      return current().device;
    },
    get token() {
      return current().token;
    },
  };
}
