import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import type { EntityManager } from 'typeorm';
import { normalizeForSearch, ScimError, type ScimJsonObject, type ScimResourceTypeId } from '@idsync/identity';
import { ScimEngine } from './scim-engine';
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
  ) {}

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
