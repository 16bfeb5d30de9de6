import { createHmac, randomBytes } from 'node:crypto';

// Consistent pseudonyms for masked exports (staging copies of a tenant): the same input gives the
// same output within one export (HMAC-SHA256 under one key), so joins, duplicates and group
// memberships survive; without the key the mapping cannot be reversed or recomputed. The key is
// random per export unless a seed is given (reproducible exports, e.g. for a test fixture).

export type PseudonymKind = 'email' | 'phone' | 'externalId' | 'name' | 'userName' | 'text';

/** Attributes kept as they are: not personal data, and staging needs them to behave realistically. */
const KEPT_LEAVES = new Set([
  'schemas',
  'id',
  'active',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'title',
  'department',
  'division',
  'organization',
  'costCenter',
  'type',
  'primary',
  'resourceType',
  'created',
  'lastModified',
  'version',
  'location',
]);

/** Name parts: all map through the 'name' kind, so a group's member `display` matches its user's displayName. */
const NAME_LEAVES = new Set(['displayName', 'nickName', 'formatted', 'givenName', 'familyName', 'middleName', 'honorificPrefix', 'honorificSuffix', 'display']);

const LOOKS_LIKE_EMAIL = /^[^@\s]+@[^@\s]+$/;

export class Pseudonymizer {
  private readonly key: Buffer;

  /** `seed`: a reproducible mapping; otherwise a random key that is never written anywhere. */
  constructor(seed?: string) {
    this.key = seed === undefined ? randomBytes(32) : createHmac('sha256', 'idsync-masked-export').update(seed).digest();
  }

  private digest(kind: string, value: string): string {
    return createHmac('sha256', this.key).update(`${kind}\u0000${value}`).digest('hex');
  }

  /** One value of one kind; emails and userNames are compared case-insensitively, as SCIM does. */
  pseudonym(kind: PseudonymKind, value: string): string {
    switch (kind) {
      case 'email':
      case 'userName': {
        if (kind === 'userName' && !LOOKS_LIKE_EMAIL.test(value)) return `user-${this.digest('login', value.toLowerCase()).slice(0, 10)}`;
        // One digest space for both, so a userName that is the user's email stays equal to it.
        return `user-${this.digest('email', value.toLowerCase()).slice(0, 10)}@example.invalid`;
      }
      case 'phone': {
        const digits = BigInt(`0x${this.digest('phone', value.replace(/[^\d+]/g, '')).slice(0, 12)}`) % 10_000_000n;
        // 555-01xx style fictional numbers.
        return `+1-555-${digits.toString().padStart(7, '0')}`;
      }
      case 'externalId':
        return `ext-${this.digest('externalId', value).slice(0, 16)}`;
      case 'name':
        return `Person ${this.digest('name', value).slice(0, 8)}`;
      default:
        return `masked-${this.digest('text', value).slice(0, 12)}`;
    }
  }

  /**
   * A SCIM document with every string that could identify a person replaced: known attributes by
   * their kind, anything unknown (custom extensions, addresses) as opaque text. Ids stay (our own
   * UUIDs), so references (members, manager) keep pointing at the right resources.
   */
  maskDocument(doc: Record<string, unknown>, type: 'User' | 'Group' = 'User'): Record<string, unknown> {
    const masked = this.walk(doc, []) as Record<string, unknown>;
    // A group's own name is not a person's: an opaque but stable label reads better in staging.
    if (type === 'Group' && typeof doc.displayName === 'string') masked.displayName = `Group ${this.digest('group', doc.displayName).slice(0, 8)}`;
    return masked;
  }

  private walk(node: unknown, path: string[]): unknown {
    if (typeof node === 'string') return this.maskString(path, node);
    if (Array.isArray(node)) return node.map((item) => this.walk(item, path));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, this.walk(v, [...path, k])]));
    }
    return node;
  }

  private maskString(path: string[], value: string): string {
    const leaf = path[path.length - 1] ?? '';
    const parent = path[path.length - 2] ?? '';
    if (KEPT_LEAVES.has(leaf) || path[0] === 'meta') return value;
    if (leaf === 'userName') return this.pseudonym('userName', value);
    if (leaf === 'externalId') return this.pseudonym('externalId', value);
    if (leaf === 'value') {
      if (parent === 'emails') return this.pseudonym('email', value);
      if (parent === 'phoneNumbers') return this.pseudonym('phone', value);
      // members / groups / manager values are resource ids: kept for referential integrity.
      if (parent === 'members' || parent === 'groups' || parent === 'manager') return value;
      return this.pseudonym('text', value);
    }
    if (leaf === '$ref') return value;
    if (NAME_LEAVES.has(leaf)) return this.pseudonym('name', value);
    return this.pseudonym('text', value);
  }
}
