import type { AnchorHTMLAttributes, MouseEvent } from "react";
import { navigate } from "./router.js";
import { preloadScreen } from "./screens.js";

/**
 * An in-app link: a real <a href> that navigates without a reload. The
 * screen it leads to starts loading as soon as a finger or pointer is on it
 * (or focus, for the keyboard), so the tap does not wait for the chunk.
 */
export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  const preload = () => preloadScreen(to);
  return <a href={to} onClick={onClick} onPointerDown={preload} onPointerEnter={preload} onFocus={preload} {...rest} />;
}
