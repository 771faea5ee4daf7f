/** gRPC status codes Firestore reports (the admin SDK puts them on `error.code`). */
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}

/** True when a `create()` (or a batch holding one) failed because the document exists. */
export function isAlreadyExists(error: unknown): boolean {
  return codeOf(error) === ALREADY_EXISTS;
}

/** True when an `update()` failed because the document does not exist. */
export function isNotFound(error: unknown): boolean {
  return codeOf(error) === NOT_FOUND;
}

/**
 * Whether `write` went through: false when it failed with an error that
 * `expected` names (the document existed, or did not); any other error is thrown.
 */
export async function wrote(write: Promise<unknown>, expected: (error: unknown) => boolean): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (expected(error)) return false;
    throw error;
  }
}
