import type { Config } from "../config.js";

/** Who the passkeys belong to: the app's origin, and its host name as the WebAuthn RP ID. */
export interface RelyingParty {
  /** The RP ID: the host name of the public origin (passkeys work only there). */
  id: string;
  /** The origin the app runs on; assertions made elsewhere are refused. */
  origin: string;
  name: string;
}

export function relyingParty(config: Pick<Config, "publicUrl">): RelyingParty {
  const url = new URL(config.publicUrl);
  return { id: url.hostname, origin: url.origin, name: "Countersign" };
}
