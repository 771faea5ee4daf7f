import { describe, expect, it } from "vitest";
import { runLinkText } from "./runLinkText.js";

describe("runLinkText", () => {
  it("shows the host a run link really goes to, never its user info", () => {
    expect(runLinkText("https://github.com@evil.example/acme/rocket/actions/runs/1")).toBe(
      "evil.example/acme/rocket/actions/runs/1",
    );
    expect(runLinkText("https://github.com/acme/rocket/actions/runs/1?pr=2")).toBe(
      "github.com/acme/rocket/actions/runs/1?pr=2",
    );
    expect(runLinkText("not a url")).toBe("not a url");
  });
});
