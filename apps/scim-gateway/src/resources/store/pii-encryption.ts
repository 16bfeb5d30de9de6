import type { EnvelopeCipher } from '@idsync/crypto';
import { ScimError, type ScimJsonObject } from '@idsync/identity';

/** The Enterprise User extension's schema URN (RFC 7643 §4.3). */
export const ENTERPRISE_USER_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// Per-tenant PII encryption (docs/SECURITY.md, "Per-tenant PII encryption"): the building block,
// not yet wired into ScimResourceStore. The attributes below leave the searchable `data`/`norm`
// jsonb for one envelope ciphertext per row; the rest stays searchable because identity
// providers filter on it (Okta and Entra ID: userName, emails, externalId, name, displayName).

/** Core User attributes stored encrypted when the tenant opts in. */
export const ENCRYPTED_CORE_ATTRIBUTES = ['phoneNumbers', 'addresses', 'photos', 'ims', 'x509Certificates'] as const;
/** Enterprise User extension attributes stored encrypted when the tenant opts in. */
export const ENCRYPTED_ENTERPRISE_ATTRIBUTES = ['manager', 'employeeNumber', 'costCenter'] as const;

const lower = (s: string) => s.toLowerCase();
const CORE = new Set(ENCRYPTED_CORE_ATTRIBUTES.map(lower));
const ENTERPRISE = new Set(ENCRYPTED_ENTERPRISE_ATTRIBUTES.map(lower));

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

/** Puts the decrypted PII part back into the document it was split from. */
export function mergePii(searchable: ScimJsonObject, pii: PiiPart | undefined): ScimJsonObject {
  if (!pii) return searchable;
  const merged: ScimJsonObject = { ...searchable, ...pii.core };
  if (pii.enterprise) {
    const extKey = Object.keys(merged).find((k) => lower(k) === lower(ENTERPRISE_USER_URN)) ?? ENTERPRISE_USER_URN;
    merged[extKey] = { ...((merged[extKey] as ScimJsonObject | undefined) ?? {}), ...pii.enterprise };
  }
  return merged;
}

/**
 * Throws 400 invalidFilter when a filter attribute path (e.g. `phoneNumbers.value`,
 * `urn:…:enterprise:2.0:User:employeeNumber`) names an attribute stored encrypted.
 */
export function rejectEncryptedFilterPath(path: string): void {
  const p = lower(path);
  const ext = `${lower(ENTERPRISE_USER_URN)}:`;
  const name = p.startsWith(ext) ? p.slice(ext.length).split(/[.[]/)[0] : p.split(/[.[]/)[0];
  const encrypted = p.startsWith(ext) ? ENTERPRISE.has(name) : CORE.has(name);
  if (encrypted) {
    throw ScimError.badRequest('invalidFilter', `Filtering on ${name} is not supported: this tenant stores it encrypted`);
  }
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
