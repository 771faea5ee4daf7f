import { FirestoreServer } from "@firestore-emulator/server";
import { freePort } from "../../standalone/freePort.js";

export interface FirestoreFake {
  /** `127.0.0.1:<port>`: the value for FIRESTORE_EMULATOR_HOST. */
  host: string;
  /** Everything stored, as JSON (tests look for bytes that must be gone). */
  dump(): string;
  stop(): void;
}

/**
 * Starts the in-process Firestore fake (`@firestore-emulator/server`) on a
 * free port, for tests and the Firebase smoke test. It stands in for the
 * Firestore emulator, which needs Java 21 and a download. It does not isolate
 * transactions, honour stale-write preconditions or `FieldValue.delete()`;
 * FirestoreStore relies on none of those.
 */
export async function startFirestoreFake(): Promise<FirestoreFake> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const server = new FirestoreServer();
    try {
      await server.start(port);
      return {
        host: `127.0.0.1:${port}`,
        dump: () => JSON.stringify(server.state.toJSON()),
        stop: () => server.stop(),
      };
    } catch (error) {
      lastError = error;
      server.stop();
    }
  }
  throw new Error(`could not start the Firestore fake: ${String(lastError)}`);
}
