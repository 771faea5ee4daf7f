import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import {
  concatBytes,
  encodeBase64url,
  type PasskeyAssertion,
  type PasskeyRegistration,
  uint32BigEndian,
} from "@countersign/shared";
import { isoCBOR } from "@simplewebauthn/server/helpers";

const sha256 = (data: Uint8Array | string) => new Uint8Array(createHash("sha256").update(data).digest());

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

/**
 * A platform authenticator in software for tests: one ES256 credential,
 * "none" attestation, a signature counter, and user verification that a test
 * can switch off. It builds the same bytes a phone's authenticator does
 * (authenticator data, CBOR attestation object, DER signatures).
 */
export class SoftAuthenticator {
  /** Whether the next ceremonies report the user as verified (fingerprint, face, PIN). */
  userVerified = true;
  counter = 0;
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly publicJwk: { x: string; y: string };

  constructor(
    readonly rpId: string,
    readonly origin: string,
  ) {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = pair.privateKey;
    this.publicJwk = pair.publicKey.export({ format: "jwk" }) as { x: string; y: string };
  }

  /** For the app at `origin` (the RP ID is its host name). */
  static forOrigin(origin: string): SoftAuthenticator {
    return new SoftAuthenticator(new URL(origin).hostname, origin);
  }

  get id(): string {
    return encodeBase64url(this.credentialId);
  }

  private clientData(type: string, challenge: string): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false }));
  }

  private flags(extra = 0): number {
    return FLAG_UP | (this.userVerified ? FLAG_UV : 0) | extra;
  }

  /** Answers registration options (`navigator.credentials.create`). */
  register(options: { challenge: string }): PasskeyRegistration {
    const cosePublicKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(this.publicJwk.x, "base64url")],
        [-3, Buffer.from(this.publicJwk.y, "base64url")],
      ]),
    );
    const idLength = new Uint8Array([this.credentialId.length >> 8, this.credentialId.length & 0xff]);
    const authData = concatBytes(
      sha256(this.rpId),
      new Uint8Array([this.flags(FLAG_AT)]),
      uint32BigEndian(this.counter),
      new Uint8Array(16),
      idLength,
      this.credentialId,
      cosePublicKey,
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]) as never,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: encodeBase64url(this.clientData("webauthn.create", options.challenge)),
        attestationObject: encodeBase64url(attestationObject),
        transports: ["internal"],
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }

  /** Signs a challenge (`navigator.credentials.get`), counting up. */
  assert(challenge: string): PasskeyAssertion {
    this.counter += 1;
    const authData = concatBytes(sha256(this.rpId), new Uint8Array([this.flags()]), uint32BigEndian(this.counter));
    const clientDataJSON = this.clientData("webauthn.get", challenge);
    const signature = sign("sha256", concatBytes(authData, sha256(clientDataJSON)), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: encodeBase64url(clientDataJSON),
        authenticatorData: encodeBase64url(authData),
        signature: encodeBase64url(new Uint8Array(signature)),
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }
}
