import { useEffect, useState } from "react";

type Listener = (text: string) => void;
const listeners = new Set<Listener>();

/** Shows a short message at the bottom of the screen (announced to screen readers). */
export function showToast(text: string): void {
  for (const listener of listeners) listener(text);
}

export function Toast() {
  const [text, setText] = useState("");
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const listener: Listener = (next) => {
      setText(next);
      clearTimeout(timer);
      timer = setTimeout(() => setText(""), 2500);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      clearTimeout(timer);
    };
  }, []);
  return (
    <div className={text ? "toast toast-visible" : "toast"} role="status" aria-live="polite">
      {text}
    </div>
  );
}

export async function copyText(text: string, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    showToast(`${what} copied`);
  } catch {
    showToast(`Could not copy the ${what.toLowerCase()}`);
  }
}
