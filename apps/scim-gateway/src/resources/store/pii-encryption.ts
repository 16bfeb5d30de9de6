import { DecryptionError, KeyRingConfigError, loadKeyRing, type EnvelopeCipher } from '@idsync/crypto';
import { SCIM_SCHEMAS, ScimError, type AttrPath, type ScimJsonObject } from '@idsync/identity';

/** The Enterprise User extension's schema URN (RFC 7643 §4.3). */
export const ENTERPRISE_USER_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// Per-tenant PII encryption (docs/SECURITY.md, "Per-tenant PII encryption"), used by
// ScimResourceStore for tenants with `encrypt_pii`. The attributes below leave the searchable
// `data`/`norm` jsonb for one envelope ciphertext per row; the rest stays searchable because
// identity providers filter on it (Okta and Entra ID: userName, emails, externalId, name, displayName).

/** Core User attributes stored encrypted when the tenant opts in. */
export const ENCRYPTED_CORE_ATTRIBUTES = ['phoneNumbers', 'addresses', 'photos', 'ims', 'x509Certificates'] as const;
/** Enterprise User extension attributes stored encrypted when the tenant opts in. */
export const ENCRYPTED_ENTERPRISE_ATTRIBUTES = ['manager', 'employeeNumber', 'costCenter'] as const;

const lower = (s: string) => s.toLowerCase();
const CORE = new Set(ENCRYPTED_CORE_ATTRIBUTES.map(lower));
const ENTERPRISE = new Set(ENCRYPTED_ENTERPRISE_ATTRIBUTES.map(lower));
const CANONICAL = new Map<string, string>([...ENCRYPTED_CORE_ATTRIBUTES, ...ENCRYPTED_ENTERPRISE_ATTRIBUTES].map((n) => [lower(n), n]));

/** The encrypted part of one resource, in the shape it had in the document. */
export interface PiiPart {
  core?: ScimJsonObject;
  enterprise?: ScimJsonObject;
}

function takeFrom(source: ScimJsonObject, names: Set<string>): [ScimJsonObject, ScimJsonObject | undefined] {
  const kept: ScimJsonObject = {};
  const taken: ScimJsonObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (names.has(lower(key))) taken[key] = value;
    else kept[key] = value;
  }
  return [kept, Object.keys(taken).length > 0 ? taken : undefined];
}

/** Splits a document (data or norm) into what stays searchable and the PII part; the input is not changed. */
export function splitPii(document: ScimJsonObject): { searchable: ScimJsonObject; pii: PiiPart | undefined } {
  const [searchable, core] = takeFrom(document, CORE);
  const extKey = Object.keys(searchable).find((k) => lower(k) === lower(ENTERPRISE_USER_URN));
  let enterprise: ScimJsonObject | undefined;
  if (extKey && searchable[extKey] && typeof searchable[extKey] === 'object' && !Array.isArray(searchable[extKey])) {
    const [keptExt, takenExt] = takeFrom(searchable[extKey] as ScimJsonObject, ENTERPRISE);
    enterprise = takenExt;
    searchable[extKey] = keptExt;
  }
  return { searchable, pii: core || enterprise ? { ...(core && { core }), ...(enterprise && { enterprise }) } : undefined };
}

/**
 * Puts the decrypted PII part back into the document it was split from, with object keys in
 * jsonb's order (shorter first, then bytewise), so the result is exactly what PostgreSQL returns
 * for the same document stored in clear: responses of encrypting tenants do not differ.
 */
export function mergePii(searchable: ScimJsonObject, pii: PiiPart | undefined): ScimJsonObject {
  if (!pii) return searchable;
  const merged: ScimJsonObject = { ...searchable, ...pii.core };
  if (pii.enterprise) {
    const extKey = Object.keys(merged).find((k) => lower(k) === lower(ENTERPRISE_USER_URN)) ?? ENTERPRISE_USER_URN;
    merged[extKey] = { ...((merged[extKey] as ScimJsonObject | undefined) ?? {}), ...pii.enterprise };
  }
  return inJsonbOrder(merged) as ScimJsonObject;
}

function jsonbKeyCompare(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length - y.length || Buffer.compare(x, y);
}

function inJsonbOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inJsonbOrder);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(jsonbKeyCompare)) out[key] = inJsonbOrder((value as Record<string, unknown>)[key]);
  return out;
}

/**
 * The encrypted attribute a filter/sort path names (e.g. `phoneNumbers.value`,
 * `urn:…:core:2.0:User:addresses`, `urn:…:enterprise:2.0:User:manager.value`), or undefined.
 */
export function encryptedAttributeOf(path: string | AttrPath): string | undefined {
  const text = typeof path === 'string' ? path : `${path.schema ? `${path.schema}:` : ''}${path.attribute}`;
  const p = lower(text);
  const ext = `${lower(ENTERPRISE_USER_URN)}:`;
  const core = `${lower(SCIM_SCHEMAS.user)}:`;
  if (p.startsWith(ext)) {
    const name = p.slice(ext.length).split(/[.[]/)[0];
    return ENTERPRISE.has(name) ? CANONICAL.get(name) : undefined;
  }
  if (p.startsWith(core)) {
    const name = p.slice(core.length).split(/[.[]/)[0];
    return CORE.has(name) ? CANONICAL.get(name) : undefined;
  }
  // Unqualified extension names (`manager.value`) resolve to the extension too.
  if (p.startsWith('urn:')) return undefined;
  const name = p.split(/[.[]/)[0];
  return CORE.has(name) || ENTERPRISE.has(name) ? CANONICAL.get(name) : undefined;
}

/**
 * Throws 400 invalidFilter when a filter attribute path (e.g. `phoneNumbers.value`,
 * `urn:…:enterprise:2.0:User:employeeNumber`) names an attribute stored encrypted.
 */
export function rejectEncryptedFilterPath(path: string | AttrPath): void {
  const name = encryptedAttributeOf(path);
  if (name) throw ScimError.badRequest('invalidFilter', `Filtering or sorting on ${name} is not supported: this tenant stores it encrypted`);
}

/** Seals and opens the PII part, bound to the tenant and resource (a copied ciphertext does not open). */
export class PiiCipher {
  constructor(private readonly ring: EnvelopeCipher) {}

  private static context(tenantId: string, resourceId: string): string {
    return `scim_pii:${tenantId}:${resourceId}`;
  }

  seal(tenantId: string, resourceId: string, pii: PiiPart): string {
    return this.ring.encrypt(JSON.stringify(pii), PiiCipher.context(tenantId, resourceId));
  }

  open(tenantId: string, resourceId: string, ciphertext: string): PiiPart {
    return JSON.parse(this.ring.decrypt(ciphertext, PiiCipher.context(tenantId, resourceId))) as PiiPart;
  }
}

/**
 * The key ring as the store needs it: absent or unable to open a row's ciphertext means that
 * tenant's PII cannot be served, which is a 503 (an operator fixes the ring), never a partial
 * resource or a 500. Messages name the setting, never a value.
 */
export class ScimPiiVault {
  private constructor(private readonly ring: EnvelopeCipher | undefined) {}

  static of(ring: EnvelopeCipher | undefined): ScimPiiVault {
    return new ScimPiiVault(ring);
  }

  /** From IDSYNC_KEYS_FILE / IDSYNC_KEYS (or ENCRYPTION_KEYS + ENCRYPTION_ACTIVE_KEY_ID); a malformed ring fails here. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): ScimPiiVault {
    return new ScimPiiVault(loadKeyRing({}, env));
  }

  get configured(): boolean {
    return this.ring !== undefined;
  }

  seal(tenantId: string, resourceId: string, pii: PiiPart): string {
    if (!this.ring) throw unavailable('no key ring is configured (IDSYNC_KEYS_FILE / IDSYNC_KEYS)');
    return new PiiCipher(this.ring).seal(tenantId, resourceId, pii);
  }

  open(tenantId: string, resourceId: string, ciphertext: string): PiiPart {
    if (!this.ring) throw unavailable('no key ring is configured (IDSYNC_KEYS_FILE / IDSYNC_KEYS)');
    try {
      return new PiiCipher(this.ring).open(tenantId, resourceId, ciphertext);
    } catch (err) {
      if (err instanceof DecryptionError || err instanceof KeyRingConfigError || err instanceof SyntaxError) throw unavailable('the key ring cannot open it (its key is missing from the ring, or the value is damaged)');
      throw err;
    }
  }
}

/** The SCIM answer when a tenant's encrypted PII cannot be read or written. */
export function unavailable(why: string): ScimError {
  return new ScimError(503, undefined, `This tenant's personal data is stored encrypted and cannot be processed: ${why}`);
}
