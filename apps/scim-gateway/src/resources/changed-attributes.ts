import type { ScimJsonObject } from '@idsync/identity';

/** Top-level attribute names (extension URNs as `urn:…:attr`) whose values differ between two documents. */
export function changedTopLevelAttributes(before: ScimJsonObject, after: ScimJsonObject): string[] {
  const changed: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (key === 'schemas') continue;
    const a = before[key];
    const b = after[key];
    if (key.startsWith('urn:') && isObject(a) !== isObject(b)) changed.push(key);
    else if (key.startsWith('urn:') && isObject(a) && isObject(b)) {
      for (const sub of changedTopLevelAttributes(a, b)) changed.push(`${key}:${sub}`);
    } else if (!deepEqual(a, b)) changed.push(key);
  }
  return changed.sort();
}

/**
 * Structural equality that ignores object key order: documents read back from jsonb come with
 * PostgreSQL's key order, documents from the validator/PATCH engine with schema order.
 */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
}

function isObject(v: unknown): v is ScimJsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
