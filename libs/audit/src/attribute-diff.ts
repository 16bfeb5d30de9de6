import type { AttributeChange } from './audit-entry';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Attribute names whose values never enter the audit trail, at any depth (case-insensitive). */
const SECRET_ATTRIBUTES = new Set(['password']);

export interface AttributeDiffOptions {
  /** Multi-valued attributes diffed as sets of their `value` (e.g. Group `members`): added/removed ids instead of two full lists. */
  setAttributes?: string[];
  /** Attributes known to have changed although their values are not in the documents (e.g. `password`): recorded as redacted. */
  alsoChanged?: string[];
}

/**
 * The attributes that differ between two SCIM documents, with before/after values. Complex
 * attributes are descended into (`name.givenName`), extension objects too (`urn:…:User:manager.value`);
 * other multi-valued attributes are compared whole. Secrets (passwords) are never included: a
 * changed password appears only as `{ path: 'password', redacted: true }`.
 */
export function attributeDiff(before: object | null | undefined, after: object | null | undefined, options: AttributeDiffOptions = {}): AttributeChange[] {
  const changes: AttributeChange[] = [];
  const sets = new Set((options.setAttributes ?? []).map((a) => a.toLowerCase()));
  walk((before ?? {}) as JsonObject, (after ?? {}) as JsonObject, '', false, sets, changes);
  for (const path of options.alsoChanged ?? []) {
    if (!changes.some((c) => c.path === path)) changes.push({ path, redacted: true });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `prefixIsExtension`: the prefix is an extension URN, whose members are joined with `:` (RFC 7644 §3.10). */
function walk(before: JsonObject, after: JsonObject, prefix: string, prefixIsExtension: boolean, sets: Set<string>, out: AttributeChange[]): void {
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (prefix === '' && (key === 'schemas' || key === 'meta' || key === 'id')) continue;
    const path = prefix === '' ? key : prefixIsExtension ? `${prefix}:${key}` : `${prefix}.${key}`;
    if (SECRET_ATTRIBUTES.has(key.toLowerCase())) {
      if (!deepEqual(before[key], after[key])) out.push({ path, redacted: true });
      continue;
    }
    const a = before[key];
    const b = after[key];
    if (deepEqual(a, b)) continue;
    if (isObject(a) && isObject(b)) walk(a, b, path, prefix === '' && key.startsWith('urn:'), sets, out);
    else if (prefix === '' && sets.has(key.toLowerCase()) && (Array.isArray(a) || Array.isArray(b) || a === undefined || b === undefined)) out.push(setDiff(path, a, b));
    else out.push(withoutSecrets({ path, before: a, after: b }));
  }
}

function setDiff(path: string, a: Json | undefined, b: Json | undefined): AttributeChange {
  const values = (v: Json | undefined) => new Set((Array.isArray(v) ? v : []).map((m) => (isObject(m) ? m.value : m)).filter((x) => x !== undefined));
  const was = values(a);
  const now = values(b);
  return { path, added: [...now].filter((x) => !was.has(x)), removed: [...was].filter((x) => !now.has(x)) };
}

/** Drops secret-named members from recorded values (a password nested in a complex value). */
function withoutSecrets(change: AttributeChange): AttributeChange {
  const scrub = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(scrub);
    if (!isObject(v as Json)) return v;
    return Object.fromEntries(Object.entries(v as JsonObject).filter(([k]) => !SECRET_ATTRIBUTES.has(k.toLowerCase())).map(([k, x]) => [k, scrub(x)]));
  };
  const out: AttributeChange = { path: change.path };
  if (change.before !== undefined) out.before = scrub(change.before);
  if (change.after !== undefined) out.after = scrub(change.after);
  return out;
}

/** Structural equality ignoring key order (jsonb documents come back with PostgreSQL's key order). */
function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
