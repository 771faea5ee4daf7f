import { type IncomingHttpHeaders, request } from "node:http";

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it came, not decoded (fetch and Playwright would decode it). */
  body: Buffer;
}

/** A GET (or `method`) that sends exactly this Accept-Encoding, none when it is undefined, and keeps the body as sent. */
export function rawGet(url: string, acceptEncoding?: string, method = "GET"): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding };
    request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}
