import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import type { AdminRole } from './admin-roles';

export interface AccessGrant {
  id: string;
  subject: string;
  role: AdminRole;
  tenantId: string | null;
  reason: string;
  grantedBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

interface AccessGrantRow {
  id: string;
  subject: string;
  role: AdminRole;
  tenant_id: string | null;
  reason: string;
  granted_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const COLUMNS = 'id, subject, role, tenant_id, reason, granted_by, created_at, expires_at, revoked_at, revoked_by';

function grantOf(row: AccessGrantRow): AccessGrant {
  return {
    id: row.id,
    subject: row.subject,
    role: row.role,
    tenantId: row.tenant_id,
    reason: row.reason,
    grantedBy: row.granted_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    revokedBy: row.revoked_by,
  };
}

/** Audit actor of grant changes made by someone (cli:<os user>, admin-token:<id>, …). */
export interface GrantActor {
  actorType: 'cli' | 'admin' | 'system';
  actorId: string;
}

/**
 * Just-in-time elevation: a role for a subject until expires_at. Expiry needs no job — every
 * request checks expires_at — and the sweep only writes the audit record of each lapse.
 * Grants, revocations and lapses are audited in the same transaction as the change.
 */
export class AccessGrantStore {
  constructor(private readonly db: DataSource) {}

  async grant(input: { subject: string; role: AdminRole; tenantId: string | null; reason: string; durationMs: number }, actor: GrantActor): Promise<AccessGrant> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query(
        `INSERT INTO admin_access_grants (id, subject, role, tenant_id, reason, granted_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond') RETURNING ${COLUMNS}`,
        [randomUUID(), input.subject, input.role, input.tenantId, input.reason, actor.actorId, input.durationMs],
      )) as AccessGrantRow[];
      const grant = grantOf(rows[0]);
      await AuditWriter.record(tx, {
        tenantId: grant.tenantId,
        ...actor,
        action: 'access.grant',
        resourceType: 'AccessGrant',
        resourceId: grant.id,
        details: { subject: grant.subject, role: grant.role, reason: grant.reason, expiresAt: grant.expiresAt },
      });
      return grant;
    });
  }

  /** Active grants (or, with all, every grant), newest first. */
  async list(all = false): Promise<AccessGrant[]> {
    const where = all ? '' : 'WHERE revoked_at IS NULL AND expires_at > now()';
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM admin_access_grants ${where} ORDER BY created_at DESC, id`)) as AccessGrantRow[];
    return rows.map(grantOf);
  }

  async revoke(id: string, actor: GrantActor): Promise<AccessGrant | undefined> {
    return this.db.transaction(async (tx) => {
      const result = (await tx.query(`UPDATE admin_access_grants SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING ${COLUMNS}`, [id, actor.actorId])) as [AccessGrantRow[], number];
      const row = result[0]?.[0];
      if (!row) return undefined;
      const grant = grantOf(row);
      await AuditWriter.record(tx, { tenantId: grant.tenantId, ...actor, action: 'access.revoke', resourceType: 'AccessGrant', resourceId: grant.id, details: { subject: grant.subject, role: grant.role } });
      return grant;
    });
  }

  /** The grants in force for a subject right now (subjects compare case-insensitively). */
  async activeFor(subject: string, runner: Pick<DataSource | EntityManager, 'query'> = this.db): Promise<AccessGrant[]> {
    const rows = (await runner.query(`SELECT ${COLUMNS} FROM admin_access_grants WHERE lower(subject) = lower($1) AND revoked_at IS NULL AND expires_at > now()`, [subject])) as AccessGrantRow[];
    return rows.map(grantOf);
  }

  /**
   * Writes one `access.expire` audit record per grant that lapsed since the last sweep. SKIP
   * LOCKED lets every replica sweep without double records.
   */
  async recordLapsed(limit = 100): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT ${COLUMNS} FROM admin_access_grants WHERE revoked_at IS NULL AND lapse_recorded_at IS NULL AND expires_at <= now()
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      )) as AccessGrantRow[];
      for (const row of rows) {
        await tx.query('UPDATE admin_access_grants SET lapse_recorded_at = now() WHERE id = $1', [row.id]);
        await AuditWriter.record(tx, {
          tenantId: row.tenant_id,
          actorType: 'system',
          actorId: 'access-grant-sweep',
          action: 'access.expire',
          resourceType: 'AccessGrant',
          resourceId: row.id,
          details: { subject: row.subject, role: row.role, expiresAt: row.expires_at.toISOString() },
        });
      }
      return rows.length;
    });
  }
}
