import { type ReactNode, useCallback, useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { ApiResult } from "../api/client.js";
import { ErrorText } from "./Screen.js";
import { settle } from "./settle.js";
import "./ConfirmDialog.css";

export interface ConfirmDialogProps {
  /** The question, e.g. "Delete npm: alice?": the dialog's name. */
  title: ReactNode;
  /** What confirming does and what it cannot undo: the dialog's description. */
  children: ReactNode;
  /** The confirm button says what it does: "Delete account", never "OK". */
  confirmLabel: string;
  /**
   * Runs when the confirm button is pressed; the dialog stays open meanwhile (a
   * second press does nothing) and afterwards, until the caller stops rendering it.
   */
  onConfirm: () => unknown;
  /** Cancel, Escape: the caller stops rendering the dialog. */
  onCancel: () => void;
  /** Styles the confirm button as dangerous and puts the first focus on Cancel. */
  destructive?: boolean;
  /** Why the last attempt failed; shown inside the dialog, which stays open for another try. */
  error?: string;
  /** Further choices placed between confirm and Cancel (e.g. "Delete on this device only"). */
  extra?: ReactNode;
}

/**
 * The app's one confirmation: a modal native <dialog> (the page behind it is
 * inert), named by its title and described by its text. Rendering it opens it:
 * focus goes to Cancel for a destructive action, else to the confirm button;
 * Escape cancels; when it goes away, focus returns to what opened it.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  destructive = false,
  error,
  extra,
}: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const running = useRef(false);
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const textId = useId();

  useLayoutEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!element.open) element.showModal();
    (destructive ? cancelButton : confirmButton).current?.focus();
    return () => {
      if (element.open) element.close();
      if (opener?.isConnected) opener.focus();
    };
  }, [destructive]);

  const confirm = async () => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      running.current = false;
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={textId}
      onCancel={(event) => {
        // Escape: the caller closes it by no longer rendering it.
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div id={textId} className="confirm-dialog-text">
        {children}
      </div>
      <ErrorText>{error}</ErrorText>
      <div className="confirm-dialog-actions">
        <button
          type="button"
          ref={confirmButton}
          className={destructive ? "button button-danger" : "button"}
          aria-disabled={busy || undefined}
          onClick={() => void confirm()}
        >
          {confirmLabel}
        </button>
        {extra}
        <button type="button" ref={cancelButton} className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

/** The state a screen keeps for one <ConfirmDialog>: see useConfirm. */
export interface Confirmation {
  /** Render the dialog while this is true. */
  confirming: boolean;
  /** Why the last attempt failed, "" if it did not: the dialog's `error`, or shown beside the button once it closed. */
  error: string;
  setError: (message: string) => void;
  /** Opens the dialog for a fresh attempt (the last attempt's error is forgotten). */
  open: () => void;
  /** Closes it: Cancel, Escape, or the action done. */
  close: () => void;
  /**
   * An `onConfirm` that sends `request` (a throw settles as a failure): a
   * failure's message stays in the dialog; on success the dialog closes and
   * `done` gets the answer.
   */
  confirmWith: <T>(request: () => Promise<ApiResult<T>>, done: (data: T) => void) => () => Promise<void>;
}

/**
 * Whether a screen's confirmation is open and why its last attempt failed,
 * for screens that open one dialog from a button.
 */
export function useConfirm(): Confirmation {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState("");
  const open = useCallback(() => {
    setError("");
    setConfirming(true);
  }, []);
  const close = useCallback(() => setConfirming(false), []);
  const confirmWith = useCallback(
    <T,>(request: () => Promise<ApiResult<T>>, done: (data: T) => void) =>
      async () => {
        setError("");
        const result = await settle(request);
        if (!result.ok) return setError(result.message);
        setConfirming(false);
        done(result.data);
      },
    [],
  );
  return useMemo(
    () => ({ confirming, error, setError, open, close, confirmWith }),
    [confirming, error, open, close, confirmWith],
  );
}
