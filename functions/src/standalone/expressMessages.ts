import { IncomingMessage, ServerResponse } from "node:http";
import type express from "express";

/**
 * A constructor that builds what `base` builds, with `prototype` as the new
 * object's prototype from the start. `base` is called on the new object
 * (Node's IncomingMessage and ServerResponse are functions, not classes);
 * Reflect.construct with a new target would do for a class too, but V8 then
 * gives each object hidden classes of its own again. Should Node turn them
 * into classes, `base` is used as it is.
 */
function constructedWith<T extends object>(base: new (...args: never[]) => T, prototype: object) {
  if (Function.prototype.toString.call(base).startsWith("class")) return base;
  const init = base as unknown as (this: T, ...args: unknown[]) => void;
  function Message(this: T, ...args: unknown[]) {
    init.apply(this, args);
  }
  Message.prototype = prototype;
  return Message as unknown as new (
    ...args: never[]
  ) => T;
}

/**
 * The `IncomingMessage` and `ServerResponse` classes for `http.createServer`
 * that give each request and response express's prototypes (`app.request`,
 * `app.response`) when Node creates them. Express sets those prototypes on
 * every call it handles (`Object.setPrototypeOf`); on an object Node created
 * with its own prototype, V8 then gives that object a hidden class (and
 * descriptor array) of its own: about 1 KB of heap per request and as much
 * per response, kept for as long as a CI call waits (docs/server.md,
 * "Memory"), and property accesses on requests miss V8's caches. Created with
 * express's prototypes already, express's `setPrototypeOf` changes nothing.
 * Each object is still an `IncomingMessage` / `ServerResponse` (`instanceof`
 * holds).
 */
export function expressMessageClasses(app: express.Express) {
  return {
    IncomingMessage: constructedWith(IncomingMessage, app.request) as unknown as typeof IncomingMessage,
    ServerResponse: constructedWith(ServerResponse, app.response) as unknown as typeof ServerResponse,
  };
}
