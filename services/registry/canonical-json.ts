/**
 * Canonical JSON: object keys sorted by UTF-16 code units at every depth, no whitespace, numbers as
 * ECMAScript prints them (the RFC 8785 ordering). Used wherever a hash or an id is computed from a value,
 * so the same value always gives the same bytes.
 */

/** Thrown for values JSON cannot represent (programmer error, never retriable). */
export class NotJsonError extends TypeError {
  readonly retriable = false;
}

/** The canonical JSON text of a JSON-compatible value. `undefined` object members are left out. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new NotJsonError(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
      return canonicalObject(value as Record<string, unknown>);
    default:
      throw new NotJsonError(`canonicalJson: cannot encode a ${typeof value}`);
  }
}

function canonicalObject(obj: Record<string, unknown>): string {
  const proto = Object.getPrototypeOf(obj) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new NotJsonError('canonicalJson: only plain objects and arrays are encodable');
  }
  const members = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  return `{${members.join(',')}}`;
}
