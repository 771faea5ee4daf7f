import { AnswerBody } from "@countersign/shared";
import type { Router } from "express";
import type { Deps } from "../deps.js";
import { answerApproval, getApproval, listApprovals } from "../domain/approvals.js";
import type { RouteHelpers } from "./deviceRoutes.js";

/** The phone's side of a request: list what waits, read one, answer it. */
export function mountApprovalRoutes(api: Router, deps: Deps, h: RouteHelpers): void {
  api.get("/approvals", async (req, res) => {
    res.json(await listApprovals(deps, await h.device(req)));
  });

  api.get("/approvals/:requestId", async (req, res) => {
    res.json(await getApproval(deps, await h.device(req), String(req.params.requestId)));
  });

  api.post("/approvals/:requestId/answer", async (req, res) => {
    const me = await h.device(req);
    res.json(await answerApproval(deps, me, String(req.params.requestId), h.parseBody(AnswerBody, req)));
  });
}
