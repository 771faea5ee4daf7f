import type { ApiResult } from "../api/client.js";

/**
 * A server call whose failure, thrown before anything was sent (a cancelled
 * passkey prompt, seeds that could not be sealed) or answered, comes back as
 * one result with the message to show. A thrown one has status 0 and error
 * `not_sent` (an unreachable server is status 0 `offline`).
 */
export async function settle<T>(request: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
  try {
    return await request();
  } catch (caught) {
    return {
      ok: false,
      status: 0,
      error: "not_sent",
      message: caught instanceof Error ? caught.message : String(caught),
    };
  }
}
