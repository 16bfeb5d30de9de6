import { Injectable, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ScimError, type ScimJsonObject, type ScimResourceTypeId } from '@idsync/identity';
import { preparedQuery } from '@idsync/persistence';
import { mergePii, ScimPiiVault, splitPii, type PiiPart } from './pii-encryption';

/** One stored SCIM resource (the `scim_resources` row). Every query is scoped by tenant. */
export interface StoredResource {
  id: string;
  tenantId: string;
  type: ScimResourceTypeId;
  /** The whole document: PII stored encrypted is already decrypted and merged back. */
  data: ScimJsonObject;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** Read: part of the row is stored encrypted. Written: the tenant had `encrypt_pii` (so the audit diff leaves those values out). */
  piiEncrypted: boolean;
  /** A User's direct and indirect group memberships, when read with them (`withMemberships`). */
  memberships?: GroupMembership[];
}

export interface ResourceWrite {
  data: ScimJsonObject;
  norm: ScimJsonObject;
}

export interface MemberRef {
  id: string;
  type: ScimResourceTypeId;
  display?: string;
}

export interface GroupMembership {
  groupId: string;
  display: string | null;
  direct: boolean;
}

export interface ListPage {
  total: number;
  resources: StoredResource[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** A `scim_resources` row as selected with the store's columns. */
export interface StoredRow {
  id: string;
  tenant_id: string;
  resource_type: ScimResourceTypeId;
  data: ScimJsonObject;
  pii_ciphertext: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

type RowWithMemberships = StoredRow & { memberships?: GroupMembership[] | null };

const COLUMNS = 'r.id, r.tenant_id, r.resource_type, r.data, r.pii_ciphertext, r.version, r.created_at, r.updated_at';

/**
 * A User's direct and indirect memberships (the `groups` attribute) as one more column of the row,
 * so a read is one round trip instead of two (the same recursion and order as membershipsOf).
 */
const MEMBERSHIPS_COLUMN = `CASE WHEN r.resource_type = 'User' THEN (
  WITH RECURSIVE m(group_id, depth) AS (
    SELECT gm.group_id, 1 FROM scim_group_members gm WHERE gm.tenant_id = r.tenant_id AND gm.member_id = r.id
    UNION
    SELECT gm.group_id, m.depth + 1 FROM m JOIN scim_group_members gm ON gm.member_id = m.group_id AND gm.tenant_id = r.tenant_id WHERE m.depth < 16
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object('groupId', x.group_id, 'display', x.display_name, 'direct', x.depth = 1) ORDER BY x.depth, x.display_name), '[]'::jsonb)
    FROM (SELECT m.group_id, min(m.depth) AS depth, g.display_name FROM m JOIN scim_resources g ON g.id = m.group_id GROUP BY m.group_id, g.display_name) x
) END AS memberships`;

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Indexed columns extracted from the document (the document stays the source of truth). */
function columns(data: ScimJsonObject): [string | null, string | null, string | null, boolean | null] {
  return [str(data.userName), str(data.externalId), str(data.displayName), typeof data.active === 'boolean' ? data.active : null];
}

const INSERT_COLUMNS = 'id, tenant_id, resource_type, user_name, external_id, display_name, active, data, norm, pii_ciphertext';
// Typed placeholders: they also serve as the select list of the guarded INSERT … SELECT (where an untyped parameter would be text).
const INSERT_VALUES = '($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::text, $7::boolean, $8::jsonb, $9::jsonb, $10::text)';

/** The select list of a User read by id (GET, PATCH/PUT) — exported for the read benchmark's EXPLAIN. */
export const USER_READ_COLUMNS = `${COLUMNS}, ${MEMBERSHIPS_COLUMN}`;

/**
 * SQL access to SCIM resources, memberships and password hashes. Writers pass the transaction's
 * EntityManager so resource, audit and outbox rows commit together.
 */
@Injectable()
export class ScimResourceStore {
  private vault: ScimPiiVault | undefined;
  /** Each tenant's encrypt_pii flag as last read: only a guess, every User write checks it (sealedFor). */
  private readonly piiFlags = new Map<string, boolean>();

  // The CLI builds the store without Nest: the vault then comes from the environment, on first use.
  constructor(
    private readonly db: DataSource,
    @Optional() vault?: ScimPiiVault,
  ) {
    this.vault = vault;
  }

  private pii(): ScimPiiVault {
    this.vault ??= ScimPiiVault.fromEnvironment();
    return this.vault;
  }

  /**
   * Whether the tenant stores PII encrypted; `lock` (default true) reads it under FOR SHARE, so
   * `idsync tenant update --encrypt-pii` (which flips it under a row lock) waits for the caller.
   * User writes do not call this: they fold the same check into their own statement (sealedFor).
   */
  async encryptsPii(tx: EntityManager | DataSource, tenantId: string, opts: { lock?: boolean } = {}): Promise<boolean> {
    const { rows } = await preparedQuery<{ encrypt_pii: boolean }>(tx, `SELECT encrypt_pii FROM tenants WHERE id = $1 ${opts.lock === false ? '' : 'FOR SHARE'}`, [tenantId]);
    const encrypt = rows[0]?.encrypt_pii === true;
    this.piiFlags.set(tenantId, encrypt);
    return encrypt;
  }

  /**
   * Runs a User write sealed for the tenant's encrypt_pii flag as last seen here (no round trip);
   * `write(encrypt)` returns null when its statement's guard — `encrypt_pii = <that flag>` on the
   * tenant row, FOR SHARE — found the flag changed: it is then read again and the write redone.
   * The FOR SHARE is what the separate read used to take: `tenant update --encrypt-pii` waits for
   * every write in flight, and a write after its flip sees the new flag (READ COMMITTED re-checks
   * the locked row), so no row is left in the old form behind the conversion pass.
   */
  private async sealedFor<T>(tx: EntityManager, tenantId: string, write: (encrypt: boolean) => Promise<T | null>): Promise<T | null> {
    const guess = this.piiFlags.get(tenantId) ?? (await this.encryptsPii(tx, tenantId, { lock: false }));
    const first = await write(guess);
    if (first !== null) return first;
    // Not written: the flag changed, or the write's other condition failed (a stale version: 412).
    const current = await this.encryptsPii(tx, tenantId, { lock: false });
    return current === guess ? null : write(current);
  }

  /** The row form of a write: with encryption on, the PII leaves data and norm for one ciphertext. */
  private sealed(tenantId: string, id: string, write: ResourceWrite, encrypt: boolean): { data: ScimJsonObject; norm: ScimJsonObject; part?: PiiPart; ciphertext: string | null } {
    if (!encrypt) return { data: write.data, norm: write.norm, ciphertext: null };
    const { searchable, pii } = splitPii(write.data);
    if (!pii) return { data: write.data, norm: write.norm, ciphertext: null };
    return { data: searchable, norm: splitPii(write.norm).searchable, part: pii, ciphertext: this.pii().seal(tenantId, id, pii) };
  }

  /** The stored form of a row just written: the PII part we sealed is merged back without opening it again. */
  private written(row: StoredRow, part: PiiPart | undefined, encrypt: boolean): StoredResource {
    return { ...this.toStored({ ...row, pii_ciphertext: null }), data: mergePii(row.data, part), piiEncrypted: encrypt };
  }

  /** A row as the rest of the gateway sees it: encrypted PII opened and merged back (only rows that have some). */
  toStored(row: StoredRow): StoredResource {
    const data = row.pii_ciphertext ? mergePii(row.data, this.pii().open(row.tenant_id, row.id, row.pii_ciphertext)) : row.data;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      type: row.resource_type,
      data,
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      piiEncrypted: row.pii_ciphertext !== null,
    };
  }

  /** For readers that select `data` and `pii_ciphertext` themselves (exports): the whole document. */
  openDocument(tenantId: string, id: string, data: ScimJsonObject, ciphertext: string | null): ScimJsonObject {
    return ciphertext ? mergePii(data, this.pii().open(tenantId, id, ciphertext)) : data;
  }

  async insert(tx: EntityManager, tenantId: string, type: ScimResourceTypeId, id: string, write: ResourceWrite): Promise<StoredResource> {
    const columnsOf = (row: ReturnType<ScimResourceStore['sealed']>) => [id, tenantId, type, ...columns(write.data), JSON.stringify(row.data), JSON.stringify(row.norm), row.ciphertext];
    try {
      if (type !== 'User') {
        const row = this.sealed(tenantId, id, write, false);
        const { rows } = await preparedQuery<StoredRow>(tx, `INSERT INTO scim_resources AS r (${INSERT_COLUMNS}) VALUES ${INSERT_VALUES} RETURNING ${COLUMNS}`, columnsOf(row));
        return this.written(rows[0], row.part, false);
      }
      const stored = await this.sealedFor(tx, tenantId, async (encrypt) => {
        const row = this.sealed(tenantId, id, write, encrypt);
        const { rows } = await preparedQuery<StoredRow>(
          tx,
          `INSERT INTO scim_resources AS r (${INSERT_COLUMNS}) SELECT ${INSERT_VALUES.slice(1, -1)} FROM tenants t WHERE t.id = $2 AND t.encrypt_pii = $11 FOR SHARE OF t RETURNING ${COLUMNS}`,
          [...columnsOf(row), encrypt],
        );
        return rows[0] ? this.written(rows[0], row.part, encrypt) : null;
      });
      if (!stored) throw new Error(`tenant ${tenantId} not found while writing a User`);
      return stored;
    } catch (err) {
      throw translateUniqueViolation(err);
    }
  }

  /** Stores a new document only if the version is still `expectedVersion` (optimistic concurrency). */
  async update(tx: EntityManager, current: StoredResource, write: ResourceWrite): Promise<StoredResource> {
    const update = async (encrypt: boolean): Promise<StoredResource | null> => {
      const row = this.sealed(current.tenantId, current.id, write, encrypt);
      // Users: the tenant's flag must still be `encrypt` (FOR SHARE; see sealedFor). Groups: no PII.
      const guard = current.type === 'User' ? `AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = $1 AND t.encrypt_pii = $11 FOR SHARE OF t)` : 'AND $11::boolean IS NOT NULL';
      const { rows } = await preparedQuery<StoredRow>(
        tx,
        `UPDATE scim_resources AS r SET user_name = $4, external_id = $5, display_name = $6, active = $7,
                data = $8::jsonb, norm = $9::jsonb, pii_ciphertext = $10, version = r.version + 1, updated_at = clock_timestamp()
          WHERE r.tenant_id = $1 AND r.id = $2 AND r.version = $3 ${guard} RETURNING ${COLUMNS}`,
        [current.tenantId, current.id, current.version, ...columns(write.data), JSON.stringify(row.data), JSON.stringify(row.norm), row.ciphertext, encrypt],
      );
      const updated = rows[0];
      return updated ? this.written(updated, row.part, encrypt) : null;
    };
    try {
      const updated = current.type === 'User' ? await this.sealedFor(tx, current.tenantId, update) : await update(false);
      if (!updated) throw new ScimError(412, undefined, 'The resource was changed concurrently; retry with its current version');
      return updated;
    } catch (err) {
      throw translateUniqueViolation(err);
    }
  }

  /**
   * Rewrites a row (locked by the caller) into the clear or the encrypted form, leaving version and
   * updated_at alone: the SCIM document is the same, so its ETag must not change. False when there
   * is nothing to do (encrypting a user without any of the encrypted attributes).
   */
  async rewriteInPlace(tx: EntityManager, row: StoredRow, write: ResourceWrite, encrypt: boolean): Promise<boolean> {
    const form = this.sealed(row.tenant_id, row.id, write, encrypt);
    if (encrypt && form.ciphertext === null && row.pii_ciphertext === null) return false;
    await tx.query('UPDATE scim_resources SET data = $3::jsonb, norm = $4::jsonb, pii_ciphertext = $5 WHERE tenant_id = $1 AND id = $2', [
      row.tenant_id,
      row.id,
      JSON.stringify(form.data),
      JSON.stringify(form.norm),
      form.ciphertext,
    ]);
    return true;
  }

  async delete(tx: EntityManager, resource: StoredResource): Promise<void> {
    await preparedQuery(tx, 'DELETE FROM scim_resources WHERE tenant_id = $1 AND id = $2', [resource.tenantId, resource.id]);
  }

  /** Reads one resource; `lock` takes a row lock so concurrent writes to it serialise. */
  async find(
    tenantId: string,
    type: ScimResourceTypeId,
    id: string,
    opts: { tx?: EntityManager; lock?: boolean; withMemberships?: boolean } = {},
  ): Promise<StoredResource | undefined> {
    if (!isUuid(id)) return undefined;
    const columns = opts.withMemberships ? `${COLUMNS}, ${MEMBERSHIPS_COLUMN}` : COLUMNS;
    // Prepared (one of four texts): planning it cost PostgreSQL more than running it.
    const { rows } = await preparedQuery<RowWithMemberships>(
      opts.tx ?? this.db,
      `SELECT ${columns} FROM scim_resources r WHERE r.tenant_id = $1 AND r.resource_type = $2 AND r.id = $3 ${opts.lock ? 'FOR UPDATE' : ''}`,
      [tenantId, type, id],
    );
    return rows[0] ? this.withMemberships(rows[0]) : undefined;
  }

  private withMemberships(row: RowWithMemberships): StoredResource {
    const stored = this.toStored(row);
    return row.memberships === undefined || row.memberships === null ? stored : { ...stored, memberships: row.memberships };
  }

  /**
   * One page of a list/query. `where` is a parameterised fragment from the filter compiler
   * (its placeholders start at $3; $1 and $2 are the tenant and resource type).
   */
  async list(
    tenantId: string,
    type: ScimResourceTypeId,
    where: { sql: string; params: unknown[] } | undefined,
    orderBy: string | undefined,
    offset: number,
    limit: number,
  ): Promise<ListPage> {
    const params: unknown[] = [tenantId, type, ...(where?.params ?? [])];
    const condition = `r.tenant_id = $1 AND r.resource_type = $2${where ? ` AND (${where.sql})` : ''}`;
    // NOT prepared (unlike the by-id read): a named statement turns generic after five runs, and the
    // generic plan of `… ORDER BY created_at LIMIT n` walks the created_at index filtering the tenant's
    // rows — O(users) per miss. In the Okta-style import (userName eq for a user not there yet) that
    // took each filter from ~0.05 ms to 130–450 ms by 50,000 users. Unnamed, each is planned for its values.
    const count = async () => ((await this.db.query(`SELECT count(*)::int AS total FROM scim_resources r WHERE ${condition}`, params)) as Array<{ total: number }>)[0].total;
    if (limit === 0) return { total: await count(), resources: [] };
    const order = orderBy ? `${orderBy}, r.created_at, r.id` : 'r.created_at, r.id';
    // Not with MEMBERSHIPS_COLUMN: beside ORDER BY … LIMIT it turned the planner to a walk of the
    // created_at index (userName eq on 100,000 users: 0.05 ms → 30+ ms); the renderer loads them instead.
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM scim_resources r WHERE ${condition} ORDER BY ${order} OFFSET ${offset | 0} LIMIT ${limit | 0}`, params)) as StoredRow[];
    // A short, non-empty page (or an empty first page) is the end of the result, so it gives the
    // total without a count: `userName eq` — what Okta sends before every create — is one query.
    const total = (rows.length > 0 && rows.length < limit) || (rows.length === 0 && offset === 0) ? offset + rows.length : await count();
    return { total, resources: rows.map((row) => this.toStored(row)) };
  }

  /** Resolves member references within the tenant; unknown ids are absent from the result. */
  async findMembers(tx: EntityManager, tenantId: string, ids: string[]): Promise<Map<string, MemberRef>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return new Map();
    const rows = (await tx.query(
      `SELECT id, resource_type, coalesce(display_name, user_name) AS display FROM scim_resources
        WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, valid],
    )) as Array<{ id: string; resource_type: ScimResourceTypeId; display: string | null }>;
    return new Map(rows.map((r) => [r.id, { id: r.id, type: r.resource_type, display: r.display ?? undefined }]));
  }

  /** Applies a membership diff to the membership table (the group document already lists members). */
  async changeMembers(tx: EntityManager, tenantId: string, groupId: string, added: MemberRef[], removedIds: string[]): Promise<void> {
    if (removedIds.length > 0) {
      await tx.query('DELETE FROM scim_group_members WHERE group_id = $1 AND member_id = ANY($2::uuid[])', [groupId, removedIds]);
    }
    if (added.length > 0) {
      await tx.query(
        `INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type)
         SELECT $1, $2, m.id, m.type FROM unnest($3::uuid[], $4::text[]) AS m(id, type)
         ON CONFLICT DO NOTHING`,
        [tenantId, groupId, added.map((m) => m.id), added.map((m) => m.type)],
      );
    }
  }

  /** Groups that list `memberId` directly (used to keep their documents right when it is deleted). */
  async groupsContaining(tx: EntityManager, tenantId: string, memberId: string): Promise<string[]> {
    const rows = (await tx.query('SELECT group_id FROM scim_group_members WHERE tenant_id = $1 AND member_id = $2 ORDER BY group_id', [
      tenantId,
      memberId,
    ])) as Array<{ group_id: string }>;
    return rows.map((r) => r.group_id);
  }

  /** Direct and indirect (nested-group) memberships of several resources at once (the User `groups` attribute). */
  async membershipsOf(tenantId: string, memberIds: string[]): Promise<Map<string, GroupMembership[]>> {
    const result = new Map<string, GroupMembership[]>();
    if (memberIds.length === 0) return result;
    const rows = (await this.db.query(
      `WITH RECURSIVE m(member_id, group_id, depth) AS (
         SELECT gm.member_id, gm.group_id, 1 FROM scim_group_members gm
          WHERE gm.tenant_id = $1 AND gm.member_id = ANY($2::uuid[])
         UNION
         SELECT m.member_id, gm.group_id, m.depth + 1 FROM m
           JOIN scim_group_members gm ON gm.member_id = m.group_id AND gm.tenant_id = $1
          WHERE m.depth < 16
       )
       SELECT m.member_id, m.group_id, min(m.depth) AS depth, g.display_name
         FROM m JOIN scim_resources g ON g.id = m.group_id
        GROUP BY m.member_id, m.group_id, g.display_name
        ORDER BY m.member_id, min(m.depth), g.display_name`,
      [tenantId, memberIds],
    )) as Array<{ member_id: string; group_id: string; depth: number; display_name: string | null }>;
    for (const r of rows) {
      const list = result.get(r.member_id) ?? [];
      list.push({ groupId: r.group_id, display: r.display_name, direct: Number(r.depth) === 1 });
      result.set(r.member_id, list);
    }
    return result;
  }

  async setPassword(tx: EntityManager, tenantId: string, resourceId: string, hash: string): Promise<void> {
    await tx.query(
      `INSERT INTO scim_passwords (resource_id, tenant_id, hash) VALUES ($1, $2, $3)
       ON CONFLICT (resource_id) DO UPDATE SET hash = EXCLUDED.hash, updated_at = now()`,
      [resourceId, tenantId, hash],
    );
  }
}

function translateUniqueViolation(err: unknown): unknown {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'ux_scim_resources_user_name') return ScimError.conflict('userName is already in use in this tenant');
  if (e.code === '23505') return ScimError.conflict('A resource with the same unique attribute exists');
  return err;
}
