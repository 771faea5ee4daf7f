import type { DeviceView, OpenInviteView, SecurityEvent } from "@countersign/shared";
import { useCallback, useEffect, useState } from "react";
import { callWithPasskey } from "../../passkey/passkeyGuard.js";
import { ConfirmDialog, useConfirm } from "../ConfirmDialog.js";
import { relativeTime } from "../format.js";
import { ErrorText } from "../Screen.js";
import { refreshDevice, useServices } from "../state.js";
import { showToast } from "../toast.js";

function when(ms: number | null): string {
  if (ms === null) return "never";
  return new Date(ms).toLocaleString();
}

function DeviceRow({ device, onRemoved }: { device: DeviceView; onRemoved: () => void }) {
  const { api } = useServices();
  const { confirming, error, open, close, confirmWith } = useConfirm();
  const remove = confirmWith(
    // With "Require passkey to approve" on, removing another device asks for the passkey first.
    () => callWithPasskey(api, "remove_device", "DELETE", `/api/v1/devices/${encodeURIComponent(device.id)}`),
    () => {
      showToast(`Removed ${device.name}`);
      onRemoved();
    },
  );
  return (
    <li className="device-item">
      <div>
        <strong>{device.name}</strong>
        {device.current ? <span className="badge"> This device</span> : null}
      </div>
      <div className="hint">
        Last seen {relativeTime(device.lastSeenAt)} · paired {new Date(device.createdAt).toLocaleDateString()}
        {device.hasPush ? "" : " · notifications off"}
      </div>
      {device.current ? null : (
        <button type="button" className="button button-small button-secondary" onClick={open}>
          Remove…
        </button>
      )}
      {confirming ? (
        <ConfirmDialog
          title={`Remove ${device.name}?`}
          confirmLabel={`Remove ${device.name}`}
          destructive
          onConfirm={remove}
          onCancel={close}
          error={error}
        >
          <p className="warning">
            It stops receiving requests at once and can no longer answer any, including those waiting now. To use it
            again, pair it again by invite.
          </p>
        </ConfirmDialog>
      ) : (
        <ErrorText>{error}</ErrorText>
      )}
    </li>
  );
}

/**
 * Invites not used yet: who made each and until when it pairs. Revoking one
 * makes its code useless at once (a code shown to the wrong person, a QR code
 * left on a screen); removing the device that made it does the same.
 */
function OpenInvites({ invites, onRevoked }: { invites: OpenInviteView[]; onRevoked: () => void }) {
  const { api } = useServices();
  const [error, setError] = useState("");
  const revoke = async (invite: OpenInviteView) => {
    setError("");
    const result = await api.call("DELETE", `/api/v1/invites/${encodeURIComponent(invite.id)}`);
    if (!result.ok && result.status !== 404) return setError(result.message);
    showToast("Invite revoked");
    onRevoked();
  };
  if (invites.length === 0) return null;
  return (
    <>
      <h3 id="open-invites-title">Open invites</h3>
      <ul className="devices" aria-labelledby="open-invites-title">
        {invites.map((invite) => (
          <li key={invite.id} className="device-item">
            <div>
              Invite from <strong>{invite.createdBy.name}</strong>
            </div>
            <div className="hint">
              Created {relativeTime(invite.createdAt)} · pairs one device until{" "}
              {new Date(invite.expiresAt).toLocaleTimeString()}
            </div>
            <button
              type="button"
              className="button button-small button-secondary"
              aria-label={`Revoke the invite from ${invite.createdBy.name}`}
              onClick={() => void revoke(invite)}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <ErrorText>{error}</ErrorText>
    </>
  );
}

/** Shown when the server no longer knows this device (another device removed it): forget the pairing to pair again. */
function RemovedHere() {
  const { db } = useServices();
  const forget = async () => {
    await db.delete("device", "device");
    await refreshDevice();
    showToast("Pairing forgotten. The accounts stay on this device.");
  };
  return (
    <div className="card">
      <p>
        The server no longer knows this device: it was removed from another device (or the server was reset). It cannot
        receive or answer CI requests. The accounts and their codes stay here. To use it for CI again, forget this
        pairing and pair it again by invite.
      </p>
      <button type="button" className="button button-secondary" onClick={() => void forget()}>
        Forget this pairing
      </button>
    </div>
  );
}

/** The paired devices (name, last seen, this one marked) with removal, the open invites, and the recent security events. */
export function Devices() {
  const { api } = useServices();
  const [devices, setDevices] = useState<DeviceView[] | undefined>();
  const [events, setEvents] = useState<SecurityEvent[]>([]);
  const [invites, setInvites] = useState<OpenInviteView[]>([]);
  const [error, setError] = useState("");
  const [removedHere, setRemovedHere] = useState(false);
  const load = useCallback(async () => {
    const [list, log, open] = await Promise.all([
      api.call<DeviceView[]>("GET", "/api/v1/devices"),
      api.call<SecurityEvent[]>("GET", "/api/v1/security-events"),
      api.call<OpenInviteView[]>("GET", "/api/v1/invites"),
    ]);
    if (!list.ok) {
      setRemovedHere(list.status === 401 && /not paired/.test(list.message));
      return setError(list.message);
    }
    setError("");
    setDevices(list.data);
    if (log.ok) setEvents(log.data.slice(0, 10));
    if (open.ok) setInvites(open.data);
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section className="section" aria-labelledby="devices-title">
      <h2 id="devices-title">Devices</h2>
      {devices ? (
        <ul className="devices" aria-label="Paired devices">
          {devices.map((device) => (
            <DeviceRow key={device.id} device={device} onRemoved={() => void load()} />
          ))}
        </ul>
      ) : error ? null : (
        <p role="status">Loading devices…</p>
      )}
      <ErrorText>{error}</ErrorText>
      {removedHere ? <RemovedHere /> : null}
      <OpenInvites invites={invites} onRevoked={() => void load()} />
      {events.length > 0 ? (
        <details className="advanced">
          <summary>Security events</summary>
          <ul className="history" aria-label="Security events">
            {events.map((event) => (
              <li key={event.id} className="history-item">
                <span className="hint">{when(event.at)}</span> {event.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
