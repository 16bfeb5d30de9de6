import type { ScimJsonObject } from '@idsync/identity';

// RFC 7644 §3.7.2: `bulkId:<id>` stands for the id of the resource another operation of the same
// request creates. It is recognised as a whole string value (an attribute value, a path's id
// segment) or quoted inside a PATCH path filter (members[value eq "bulkId:x"]); other text that
// merely contains "bulkId:" is left alone.
const WHOLE_REFERENCE = /^bulkId:(.+)$/;
const QUOTED_REFERENCE = /"bulkId:([^"]+)"/g;

function referencesIn(text: string, out: Set<string>): void {
  const whole = WHOLE_REFERENCE.exec(text);
  if (whole) out.add(whole[1]);
  for (const quoted of text.matchAll(QUOTED_REFERENCE)) out.add(quoted[1]);
}

/** Every bulkId an operation refers to, in its path or anywhere in its data. */
export function bulkIdReferences(path: string, data: unknown): Set<string> {
  const out = new Set<string>();
  const segment = path.split('/')[2];
  if (segment !== undefined) referencesIn(decodeURIComponent(segment), out);
  const walk = (value: unknown): void => {
    if (typeof value === 'string') referencesIn(value, out);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  walk(data);
  return out;
}

function substituteText(text: string, ids: ReadonlyMap<string, string>): string {
  const whole = WHOLE_REFERENCE.exec(text);
  if (whole && ids.has(whole[1])) return ids.get(whole[1]) as string;
  return text.replace(QUOTED_REFERENCE, (match, bulkId: string) => (ids.has(bulkId) ? `"${ids.get(bulkId) as string}"` : match));
}

/** A copy of `value` with every resolvable bulkId reference replaced by the resource id. */
export function substituteBulkIds<T>(value: T, ids: ReadonlyMap<string, string>): T {
  if (typeof value === 'string') return substituteText(value, ids) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => substituteBulkIds(v, ids)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value as ScimJsonObject).map(([k, v]) => [k, substituteBulkIds(v, ids)])) as T;
  }
  return value;
}

/** `/Groups/bulkId:x` → `/Groups/<id>`. */
export function substitutePath(path: string, ids: ReadonlyMap<string, string>): string {
  const parts = path.split('/');
  if (parts[2] !== undefined) parts[2] = encodeURIComponent(substituteText(decodeURIComponent(parts[2]), ids));
  return parts.join('/');
}
