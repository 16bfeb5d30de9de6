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
    } else if (JSON.stringify(a) !== JSON.stringify(b)) changed.push(key);
  }
  return changed.sort();
}

function isObject(v: unknown): v is ScimJsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
