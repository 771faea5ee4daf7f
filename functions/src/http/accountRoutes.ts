import {
  CreateAccountBody,
  CreateLinkBody,
  PasskeyProofBody,
  UpdateAccountBody,
  UpdateLinkBody,
} from "@countersign/shared";
import type { Router } from "express";
import type { Deps } from "../deps.js";
import { createAccount, deleteAccount, listAccounts, updateAccount } from "../domain/accounts.js";
import { createLink, listLinks, revokeLink, updateLink } from "../domain/links.js";
import { listHistory } from "../domain/listHistory.js";
import type { RouteHelpers } from "./deviceRoutes.js";
import { parseIntegerParam, parseQuery } from "./httpHelpers.js";

/** Accounts, their links and their history, as the signed-in device manages them. */
export function mountAccountRoutes(api: Router, deps: Deps, h: RouteHelpers): void {
  api.get("/accounts", async (req, res) => {
    res.json(await listAccounts(deps, await h.device(req)));
  });

  api.post("/accounts", async (req, res) => {
    const me = await h.device(req);
    const { account, created } = await createAccount(deps, me, h.parseBody(CreateAccountBody, req));
    res.status(created ? 201 : 200).json(account);
  });

  api.patch("/accounts/:accountId", async (req, res) => {
    const me = await h.device(req);
    res.json(await updateAccount(deps, me, String(req.params.accountId), h.parseBody(UpdateAccountBody, req)));
  });

  api.delete("/accounts/:accountId", async (req, res) => {
    const me = await h.device(req);
    const { assertion } = h.parseBody(PasskeyProofBody, req, true);
    res.json(await deleteAccount(deps, me, String(req.params.accountId), assertion));
  });

  api.get("/accounts/:accountId/links", async (req, res) => {
    res.json(await listLinks(deps, await h.device(req), String(req.params.accountId)));
  });

  api.post("/accounts/:accountId/links", async (req, res) => {
    const me = await h.device(req);
    const body = h.parseBody(CreateLinkBody, req);
    res
      .status(201)
      .json(await createLink(deps, me, String(req.params.accountId), body.name, body.policy ?? null, body.assertion));
  });

  api.patch("/links/:linkId", async (req, res) => {
    const me = await h.device(req);
    res.json(await updateLink(deps, me, String(req.params.linkId), h.parseBody(UpdateLinkBody, req)));
  });

  api.delete("/links/:linkId", async (req, res) => {
    res.json(await revokeLink(deps, await h.device(req), String(req.params.linkId)));
  });

  api.get("/accounts/:accountId/history", async (req, res) => {
    const me = await h.device(req);
    const limit = parseIntegerParam("limit", parseQuery(req, ["limit"]).limit, 1000);
    res.json(await listHistory(deps, me, String(req.params.accountId), limit || 100));
  });
}
