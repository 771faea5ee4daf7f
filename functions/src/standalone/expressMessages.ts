import { IncomingMessage, ServerResponse } from "node:http";
import type express from "express";

/**
 * Makes `prototype` (a class's) stand in for `app[key]`, express's prototype
 * for every request or response: the same prototype chain and own properties
 * (`app`), so that objects of the class are what express would make of them.
 */
function adopt(app: express.Express, key: "request" | "response", prototype: object) {
  const current = app[key];
  Object.setPrototypeOf(prototype, Object.getPrototypeOf(current));
  Object.defineProperties(prototype, Object.getOwnPropertyDescriptors(current));
  app[key] = prototype as never;
}

/**
 * The `IncomingMessage` and `ServerResponse` classes for `http.createServer`
 * whose prototypes become `app.request` and `app.response`, so that Node
 * creates every request and response with the prototype express gives it.
 * Express sets that prototype on every call it handles
 * (`Object.setPrototypeOf`); on an object Node created with its own, V8 then
 * gives the object a hidden class and descriptor array of its own — about
 * 1 KB per request and as much per response, kept for as long as a CI call
 * waits (docs/server.md, "Memory"). With these classes express's
 * `setPrototypeOf` changes nothing. Subclasses, not wrapper functions: V8
 * lays a subclass's objects out as Node's own (a plain function calling
 * IncomingMessage on `this` left ≈ 1.6 KB of out-of-object properties per
 * object). Call before the server takes requests; `app` must not be mounted
 * in another express app (a mount resets these prototypes).
 */
export function expressMessageClasses(app: express.Express): {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
} {
  class Request extends IncomingMessage {}
  class Response extends ServerResponse {}
  adopt(app, "request", Request.prototype);
  adopt(app, "response", Response.prototype);
  return { IncomingMessage: Request, ServerResponse: Response as typeof ServerResponse };
}
