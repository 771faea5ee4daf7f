import {
  OpenTransferBody,
  PairBody,
  PasskeyProofBody,
  PushSubscriptionBody,
  RecoverBody,
  RenameBody,
  SealTransferBody,
  TRANSFER_ID_PATTERN,
} from "@countersign/shared";
import type { Request, RequestHandler, Router } from "express";
import type { z } from "zod";
import type { Deps } from "../deps.js";
import type { SignedCall } from "../domain/authenticateDevice.js";
import {
  createInvite,
  listDevices,
  listInvites,
  pairDevice,
  removeDevice,
  removePushSubscription,
  renameDevice,
  revokeInvite,
  setPushSubscription,
  toDeviceView,
} from "../domain/devices.js";
import { recoverDevice, rotateRecoveryCode } from "../domain/recovery.js";
import { listSecurityEvents } from "../domain/securityEvents.js";
import { getTransfer, openTransfer, pickUpTransfer, sealTransfer } from "../domain/transfers.js";
import { AppError } from "../errors.js";
import { requireActionPasskey } from "../passkey/requireActionPasskey.js";
import type { DeviceRecord } from "../store/Store.js";

/** What createApp lends these routes: its body parser, signed-call reader, device check and address limit. */
export interface RouteHelpers {
  /** With `optional`, an empty body parses as `{}`. */
  parseBody<T extends z.ZodType>(schema: T, req: Request, optional?: boolean): z.infer<T>;
  signedCall(req: Request): SignedCall;
  device(req: Request): Promise<DeviceRecord>;
  limited: RequestHandler;
  /** The caller's address as the limits and the audit log see it. */
  clientAddress(req: Request): string;
}

function transferId(req: Request): string {
  const id = String(req.params.transferId);
  if (!TRANSFER_ID_PATTERN.test(id)) throw new AppError("bad_request", "transferId must be 32 bytes base64url.");
  return id;
}

/**
 * Devices: pairing, the calling device, its push subscription, removal and
 * invites; then recovery, seed transfer between devices, open invites and
 * security events (see DEVICE_ROUTES).
 */
export function mountDeviceRoutes(api: Router, deps: Deps, h: RouteHelpers): void {
  api.post("/devices", h.limited, async (req, res) => {
    const body = h.parseBody(PairBody, req);
    res.status(201).json(await pairDevice(deps, h.signedCall(req), body));
  });

  api.get("/devices/me", async (req, res) => {
    const me = await h.device(req);
    res.json(toDeviceView(me, me.id));
  });

  api.patch("/devices/me", async (req, res) => {
    const me = await h.device(req);
    res.json(await renameDevice(deps, me, h.parseBody(RenameBody, req).name));
  });

  api.get("/devices", async (req, res) => {
    res.json(await listDevices(deps, await h.device(req)));
  });

  api.put("/devices/me/push", async (req, res) => {
    const me = await h.device(req);
    res.json(await setPushSubscription(deps, me, h.parseBody(PushSubscriptionBody, req)));
  });

  api.delete("/devices/me/push", async (req, res) => {
    res.json(await removePushSubscription(deps, await h.device(req)));
  });

  api.delete("/devices/:deviceId", async (req, res) => {
    const me = await h.device(req);
    const target = String(req.params.deviceId);
    // A device leaves freely; removing another one, with the passkey required, needs the passkey.
    if (target !== me.id) {
      await requireActionPasskey(deps, me, "remove_device", h.parseBody(PasskeyProofBody, req, true).assertion);
    }
    await removeDevice(deps, me, target);
    res.status(204).end();
  });

  api.post("/invites", async (req, res) => {
    const me = await h.device(req);
    await requireActionPasskey(deps, me, "invite", h.parseBody(PasskeyProofBody, req, true).assertion);
    res.status(201).json(await createInvite(deps, me));
  });

  api.post("/recovery", h.limited, async (req, res) => {
    const body = h.parseBody(RecoverBody, req);
    res.status(201).json(await recoverDevice(deps, h.signedCall(req), body, h.clientAddress(req)));
  });

  api.post("/recovery/code", async (req, res) => {
    const me = await h.device(req);
    await requireActionPasskey(deps, me, "recovery_code", h.parseBody(PasskeyProofBody, req, true).assertion);
    res.status(201).json(await rotateRecoveryCode(deps, me));
  });

  api.post("/transfers", async (req, res) => {
    const me = await h.device(req);
    res.status(201).json(await openTransfer(deps, me, h.parseBody(OpenTransferBody, req)));
  });

  api.get("/transfers/:transferId", async (req, res) => {
    const me = await h.device(req);
    res.json(await getTransfer(deps, me, transferId(req)));
  });

  api.put("/transfers/:transferId/sealed", async (req, res) => {
    const me = await h.device(req);
    const id = transferId(req);
    const { assertion, ...sealed } = h.parseBody(SealTransferBody, req);
    await requireActionPasskey(deps, me, "transfer", assertion);
    res.json(await sealTransfer(deps, me, id, sealed));
  });

  api.post("/transfers/:transferId/pickup", async (req, res) => {
    const me = await h.device(req);
    res.json(await pickUpTransfer(deps, me, transferId(req)));
  });

  api.get("/security-events", async (req, res) => {
    await h.device(req);
    res.json(await listSecurityEvents(deps, { ...beforeParam(req) }));
  });

  api.get("/invites", async (req, res) => {
    await h.device(req);
    res.json(await listInvites(deps));
  });

  api.delete("/invites/:inviteId", async (req, res) => {
    const me = await h.device(req);
    await revokeInvite(deps, me, String(req.params.inviteId));
    res.status(204).end();
  });
}

/** `?before=<ms>`: events filed before that time (to page back through the log). */
function beforeParam(req: Request): { before?: number } {
  const { before, ...rest } = req.query;
  if (Object.keys(rest).length > 0) throw new AppError("bad_request", "The only query parameter is before.");
  if (before === undefined) return {};
  if (typeof before !== "string" || !/^\d{1,15}$/.test(before)) {
    throw new AppError("bad_request", "before must be a time in milliseconds since the epoch.");
  }
  return { before: Number(before) };
}
