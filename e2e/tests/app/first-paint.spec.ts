import type { Page } from "@playwright/test";
import { expect, pairPage, test, waitForServiceWorker } from "../../fixtures.js";
import { addAccountByUri, testAccount } from "./support/app.js";

/**
 * The structure of an element: tags, attributes (sorted) and text, without
 * the whitespace between tags — what is painted, not how the markup is spelled.
 */
function structure(page: Page, selector: string): Promise<string> {
  return page.evaluate((selector) => {
    const describeElement = (node: Node): string => {
      if (node.nodeType === Node.TEXT_NODE) return (node.textContent ?? "").trim();
      if (!(node instanceof Element)) return "";
      const attributes = [...node.attributes]
        .map((a) => `${a.name}="${a.value}"`)
        .sort()
        .join(" ");
      return `<${node.localName} ${attributes}>${[...node.childNodes].map(describeElement).join("")}</${node.localName}>`;
    };
    const element = document.querySelector(selector);
    return element ? describeElement(element) : "(missing)";
  }, selector);
}

/** The sum of the page's layout shifts so far (what CLS adds up). */
/**
 * The page's layout shifts so far: the score, and each element that moved (where it was and went).
 * The elements make a failure say what moved.
 */
function layoutShift(page: Page): Promise<{ score: number; moved: string[] }> {
  return page.evaluate(
    () =>
      new Promise<{ score: number; moved: string[] }>((resolve) => {
        let score = 0;
        const moved: string[] = [];
        const nameOf = (node: Node | null) =>
          node instanceof Element
            ? `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ""}${[...node.classList].map((c) => `.${c}`).join("")} "${(node.textContent ?? "").trim().slice(0, 30)}"`
            : String(node?.nodeName);
        const rect = (r: DOMRectReadOnly) =>
          `${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}×${Math.round(r.height)}`;
        type Shift = PerformanceEntry & {
          value: number;
          sources: { node: Node | null; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly }[];
        };
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries() as Shift[]) {
            score += entry.value;
            for (const source of entry.sources)
              moved.push(`${nameOf(source.node)}: ${rect(source.previousRect)} → ${rect(source.currentRect)}`);
          }
        }).observe({ type: "layout-shift", buffered: true });
        setTimeout(() => resolve({ score, moved }), 500);
      }),
  );
}

test("a new phone's first paint, before any script, is the code list the app then shows", async ({
  browser,
  page,
  server,
}) => {
  const withoutScript = await browser.newContext({ javaScriptEnabled: false });
  const staticPage = await withoutScript.newPage();
  await staticPage.goto(server.origin);
  await expect(staticPage.getByRole("heading", { name: "No accounts yet" })).toBeVisible();
  await expect(staticPage.getByRole("link", { name: "Pair with server" })).toBeVisible();
  const painted = await structure(staticPage, "#first-paint");
  await withoutScript.close();

  await page.goto("/");
  await expect(page.locator("#first-paint")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "No accounts yet" })).toBeVisible();
  // The same elements, attributes and text: the swap changes nothing on screen.
  expect(await structure(page, "#root > .app")).toBe(
    painted
      .replace(' id="first-paint"', "")
      .replace(/ data-route="\w+"/, "")
      .replace(/<\/div>$/, '<div aria-live="polite" class="toast" role="status"></div></div>'),
  );
  expect(await layoutShift(page)).toEqual({ score: 0, moved: [] });
});

test("a phone with accounts is never shown the new phone's screen, and nothing moves as its codes load", async ({
  page,
  server,
}) => {
  await pairPage(page, server);
  await page.getByRole("button", { name: "I saved it" }).click();
  await addAccountByUri(page, testAccount("npm", "alice", "JBSWY3DPEHPK3PXP"));
  await addAccountByUri(page, testAccount("GitHub", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
  await waitForServiceWorker(page);
  // The service worker answers every navigation, "/" included, with the shell: no static first paint.
  await page.addInitScript(() => {
    document.addEventListener("DOMContentLoaded", () => {
      (window as unknown as { hadFirstPaint: boolean }).hadFirstPaint = document.getElementById("first-paint") !== null;
    });
  });
  await page.goto("/");
  await expect(page.getByTestId("code").first()).toHaveText(/^\d{3} \d{3}$/);
  expect(await page.evaluate(() => (window as unknown as { hadFirstPaint: boolean }).hadFirstPaint)).toBe(false);
  await expect(page.getByText("No accounts yet")).toBeHidden();
  expect(await layoutShift(page)).toEqual({ score: 0, moved: [] });

  // Any screen but "/", /pair and /approve/… is the shell as well, from the server too.
  const settings = await page.request.get(`${server.origin}/settings`);
  expect(await settings.text()).not.toContain("first-paint");
  const home = await page.request.get(`${server.origin}/`);
  expect(await home.text()).toContain('id="first-paint"');
});

test("the painted pairing form cannot be used before the app has taken over; then pairing works", async ({
  page,
  server,
}) => {
  // The app's script is held back, as on a slow network: only pair.html's markup is on screen.
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let appRequested = false;
  await page.route(/\/assets\/boot-[\w-]+\.js$/, async (route) => {
    appRequested = true;
    await released;
    await route.continue();
  });
  await page.goto("/pair");
  await expect.poll(() => appRequested).toBe(true);
  const painted = page.locator("#first-paint");
  await expect(painted.getByRole("heading", { name: "Pair this device" })).toBeVisible();

  // Every control is disabled, announced so, and looks it: nothing typed or tapped there can be lost.
  const controls = [
    painted.getByRole("textbox", { name: "Setup code", disabled: true }),
    painted.getByRole("textbox", { name: "Device name", disabled: true }),
    painted.getByRole("button", { name: "Pair this device", disabled: true }),
    painted.getByRole("button", { name: "Scan invite QR code", disabled: true }),
  ];
  for (const control of controls) {
    await expect(control).toBeVisible();
    await expect(control).toHaveCSS("opacity", "0.6");
  }
  await expect(painted.getByLabel("Invite QR from an image")).toBeDisabled();
  await expect(painted.locator(".file-button")).toHaveCSS("opacity", "0.6");
  await painted.getByLabel("Setup code").click({ force: true });
  await page.keyboard.type("TYPED-TOO-EARLY");
  await expect(painted.getByLabel("Setup code")).toHaveValue("");
  // Its links are plain links, and work without the app.
  await expect(painted.getByRole("link", { name: "Recover with a recovery code" })).toHaveAttribute("href", "/recover");

  // The app arrives and takes over: the same form, now working.
  release();
  await expect(painted).toHaveCount(0);
  await expect(page.getByLabel("Setup code")).toBeEnabled();
  await page.getByLabel("Setup code").fill(server.setupCode);
  await page.getByRole("button", { name: "Pair this device" }).click();
  await expect(page.getByRole("button", { name: "I saved it" })).toBeVisible();
  await page.getByRole("button", { name: "I saved it" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Countersign" })).toBeVisible();
});
