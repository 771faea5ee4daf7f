import { PasskeyChallengeBody, PasskeyRegistration, RemovePasskeyBody } from "@countersign/shared";
import type { Request, Router } from "express";
import type { z } from "zod";
import type { Deps } from "../deps.js";
import {
  finishPasskeyRegistration,
  removePasskey,
  startPasskeyRegistration,
  startPasskeyRemoval,
} from "../passkey/passkeys.js";
import type { DeviceRecord } from "../store/Store.js";

/** What createApp lends these routes: its strict body parser and the signed-device check. */
export interface PasskeyRouteHelpers {
  /** With `optional`, an empty body parses as `{}`. */
  parseBody<T extends z.ZodType>(schema: T, req: Request, optional?: boolean): z.infer<T>;
  device(req: Request): Promise<DeviceRecord>;
}

/** The calling device's passkey: register, prove it to turn it off or for a guarded action (API_ROUTES.passkey*). */
export function mountPasskeyRoutes(api: Router, deps: Deps, h: PasskeyRouteHelpers): void {
  api.post("/devices/me/passkey/options", async (req, res) => {
    res.json(await startPasskeyRegistration(deps, await h.device(req)));
  });

  api.post("/devices/me/passkey", async (req, res) => {
    const me = await h.device(req);
    res.status(201).json(await finishPasskeyRegistration(deps, me, h.parseBody(PasskeyRegistration, req)));
  });

  api.post("/devices/me/passkey/challenge", async (req, res) => {
    const me = await h.device(req);
    const { purpose } = h.parseBody(PasskeyChallengeBody, req, true);
    res.json(await startPasskeyRemoval(deps, me, purpose));
  });

  api.delete("/devices/me/passkey", async (req, res) => {
    const me = await h.device(req);
    res.json(await removePasskey(deps, me, h.parseBody(RemovePasskeyBody, req).assertion));
  });
}
