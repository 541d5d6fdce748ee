/** A parsed JSON object (never an array or null). */
export type JsonObject = Record<string, unknown>;

/** Whether a value is a plain JSON-style object: not null, not an array. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
