import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import type { EntityManager } from 'typeorm';
import { normalizeForSearch, ScimError, type ScimJsonObject, type ScimResourceTypeId } from '@idsync/identity';
import type { ScimPrincipal } from '../tenants/scim-token.service';
import { ScimChangeRecorder } from './scim-change.recorder';
import { ScimEngine } from './scim-engine';
import { ScimResourceRenderer } from './scim-resource.renderer';
import { ScimResourceStore, isUuid, type MemberRef, type ResourceWrite, type StoredResource } from './store/scim-resource.store';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** Password storage: scrypt with a random salt, encoded with its parameters. Never reversible, never returned. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** PostgreSQL text and jsonb cannot hold U+0000: reject it as a client error instead of failing in the INSERT. */
function assertStorable(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw ScimError.badRequest('invalidValue', `"${path}" contains a NUL character (U+0000), which is not allowed`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertStorable(v, `${path}[${i}]`));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) assertStorable(v, path ? `${path}.${k}` : k);
  }
}

/**
 * A group's members before a change, as the change record's `previous` carries them: ids plus
 * each member's type, so sync-worker can emit member-removed events (also for a deleted group).
 */
export function previousMembership(data: ScimJsonObject | undefined): { memberIds: string[]; memberTypes: Record<string, 'User' | 'Group'> } {
  const members = Array.isArray(data?.members) ? (data.members as ScimJsonObject[]) : [];
  const memberIds = members.map((m) => String(m.value));
  const memberTypes = Object.fromEntries(members.map((m) => [String(m.value), m.type === 'Group' ? 'Group' : 'User'] as const));
  return { memberIds, memberTypes };
}

/** A validated new document for an existing resource (PUT or PATCH), ready to be stored. */
export interface ResourceUpdate {
  principal: ScimPrincipal;
  operation: 'replace' | 'patch';
  baseUrl: string;
  current: StoredResource;
  data: ScimJsonObject;
  changedAttributes: string[];
  password?: string;
}

export interface MembershipDiff {
  added: MemberRef[];
  removedIds: string[];
  before: string[];
}

/** Shared steps of every SCIM write: search normalisation, member reference checks, If-Match. */
@Injectable()
export class ScimWriteSupport {
  constructor(
    private readonly engine: ScimEngine,
    private readonly store: ScimResourceStore,
    private readonly renderer: ScimResourceRenderer,
    private readonly changes: ScimChangeRecorder,
  ) {}

  /** The resource a write applies to, row-locked for the transaction, after the If-Match check. */
  async lockCurrent(tx: EntityManager, principal: ScimPrincipal, type: ScimResourceTypeId, id: string, ifMatch: string | undefined): Promise<StoredResource> {
    // A User's memberships come with the locked row (a PATCH/PUT cannot change them), so the response needs no second query.
    const current = await this.store.find(principal.tenantId, type, id, { tx, lock: true, withMemberships: type === 'User' });
    if (!current) throw ScimError.notFound(`${type} ${id} not found`);
    this.checkIfMatch(current, ifMatch);
    return current;
  }

  /**
   * Stores a PUT/PATCH result in the caller's transaction: member references, the document,
   * the membership table, the password hash, and the change record (audit + outbox).
   */
  async storeUpdate(tx: EntityManager, u: ResourceUpdate): Promise<StoredResource> {
    const { principal, current, data } = u;
    const members = current.type === 'Group' ? await this.resolveMembers(tx, principal.tenantId, current.id, data, current.data) : undefined;
    const updated = { ...(await this.store.update(tx, current, this.toWrite(current.type, data))), memberships: current.memberships };
    if (members) await this.store.changeMembers(tx, principal.tenantId, current.id, members.added, members.removedIds);
    if (u.password !== undefined) await this.store.setPassword(tx, principal.tenantId, current.id, await hashPassword(u.password));
    await this.changes.record(tx, {
      principal,
      operation: u.operation,
      resource: updated,
      representation: this.renderer.full(updated, u.baseUrl),
      changedAttributes: u.changedAttributes,
      previous: { active: typeof current.data.active === 'boolean' ? current.data.active : undefined, ...(members ? previousMembership(current.data) : {}) },
      before: current.data,
    });
    return updated;
  }

  toWrite(type: ScimResourceTypeId, data: ScimJsonObject): ResourceWrite {
    assertStorable(data, '');
    return { data, norm: normalizeForSearch(data, this.engine.resolver(type)) };
  }

  /** RFC 7644 §3.14: a write with If-Match must name the current version (or *). */
  checkIfMatch(resource: StoredResource, ifMatch: string | undefined): void {
    if (!ifMatch) return;
    const tags = ifMatch.split(',').map((t) => t.trim());
    if (tags.includes('*')) return;
    const current = String(resource.version);
    const matches = tags.some((t) => t.replace(/^W\//, '').replace(/^"|"$/g, '') === current);
    if (!matches) throw new ScimError(412, 'invalidVers', `If-Match does not match the current version W/"${current}"`);
  }

  /**
   * Resolves a group's `members` against the tenant's resources, fills in each member's real
   * type, and returns the diff against the previous member list.
   */
  async resolveMembers(tx: EntityManager, tenantId: string, groupId: string, data: ScimJsonObject, previous: ScimJsonObject | undefined): Promise<MembershipDiff> {
    const members = Array.isArray(data.members) ? (data.members as ScimJsonObject[]) : [];
    const seen = new Set<string>();
    const ids: string[] = [];
    for (const m of members) {
      const value = typeof m.value === 'string' ? m.value.toLowerCase() : m.value;
      if (!isUuid(value)) throw ScimError.badRequest('invalidValue', `members value ${JSON.stringify(m.value)} is not a resource id`);
      if (value === groupId) throw ScimError.badRequest('invalidValue', 'A group cannot be a member of itself');
      m.value = value;
      if (!seen.has(value)) {
        seen.add(value);
        ids.push(value);
      }
    }
    const before = Array.isArray(previous?.members) ? (previous.members as ScimJsonObject[]).map((m) => String(m.value)) : [];
    const beforeSet = new Set(before);
    const newIds = ids.filter((id) => !beforeSet.has(id));
    const found = await this.store.findMembers(tx, tenantId, newIds);
    const missing = newIds.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw ScimError.badRequest('invalidValue', `members reference unknown resources: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '…' : ''}`);
    }
    // Keep one entry per member with its actual type; drop duplicates.
    const typeOf = new Map<string, string>();
    for (const m of previous && Array.isArray(previous.members) ? (previous.members as ScimJsonObject[]) : []) typeOf.set(String(m.value), String(m.type ?? 'User'));
    for (const [id, ref] of found) typeOf.set(id, ref.type);
    const unique = new Map<string, ScimJsonObject>();
    for (const m of members) if (!unique.has(m.value as string)) unique.set(m.value as string, { ...m, type: typeOf.get(m.value as string) ?? 'User' });
    if (members.length > 0 || 'members' in data) {
      if (unique.size > 0) data.members = [...unique.values()];
      else delete data.members;
    }
    const afterSet = new Set(unique.keys());
    return {
      added: newIds.map((id) => found.get(id) as MemberRef),
      removedIds: before.filter((id) => !afterSet.has(id)),
      before,
    };
  }
}
