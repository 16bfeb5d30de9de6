/**
 * Deterministic JSON for hashing: object keys sorted by UTF-16 code units, no whitespace, numbers
 * and strings exactly as JSON.stringify writes them. This is the subset of RFC 8785 (JCS) that
 * audit records use (they hold no non-finite numbers), so the bytes match a JCS implementation.
 *
 * Why not JSON.stringify: key order follows insertion order, and the same record read back from
 * jsonb comes with PostgreSQL's key order — a hash over it would not be reproducible.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.keys(value)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}
