/**
 * A JSON-shaped copy of a value for a Firestore map field: drops `undefined`
 * properties (which Firestore refuses) without asking for a client-wide
 * `ignoreUndefinedProperties` setting the caller may not control.
 */
export function plainData<T>(value: T): T {
  return value === null || value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T);
}
