import { type ReactNode, useEffect, useLayoutEffect, useRef } from "react";
import { revealApp } from "../firstPaint.js";
import { Link } from "./Link.js";

/** A secondary screen: a back link, a title, the content. */
export function Screen({ title, children, back = "/" }: { title: string; children: ReactNode; back?: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // A screen painted from markup (pair.html, approve.html) is swapped for this one once it is rendered.
  useLayoutEffect(revealApp, []);
  // After an in-app navigation, screen readers start from the new screen's title.
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <>
      <header className="topbar">
        <Link to={back} className="icon-button" aria-label="Back">
          <span aria-hidden="true">‹</span>
        </Link>
        <h1 className="topbar-title" tabIndex={-1} ref={heading}>
          {title}
        </h1>
      </header>
      <main className="screen" id="main">
        {children}
      </main>
    </>
  );
}

export function ErrorText({ children, id }: { children: ReactNode; id?: string }) {
  if (!children) return null;
  return (
    <p className="error" role="alert" id={id}>
      {children}
    </p>
  );
}
