import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { AdminRole } from './admin-roles';

/** Recognisable prefix, so a leaked admin token is easy to spot (secret scanners, logs, chats). */
export const ADMIN_TOKEN_PREFIX = 'idsa_';

/**
 * A plain SHA-256 (no slow KDF) is the right hash here: tokens are 256 bits from the CSPRNG, so
 * an offline guess against a leaked hash is hopeless whatever the hash speed, while a fast,
 * deterministic hash lets the lookup use a unique index (a KDF with salt would not).
 */
export function adminTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function generateAdminToken(): string {
  return `${ADMIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export interface AdminTokenSummary {
  id: string;
  name: string;
  description: string | null;
  role: AdminRole;
  tenantId: string | null;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface AdminTokenRow {
  id: string;
  name: string;
  description: string | null;
  role: AdminRole;
  tenant_id: string | null;
  token_hash: Buffer;
  created_at: Date;
  created_by: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function summaryOf(row: AdminTokenRow): AdminTokenSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    role: row.role,
    tenantId: row.tenant_id,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

const COLUMNS = 'id, name, description, role, tenant_id, token_hash, created_at, created_by, expires_at, last_used_at, revoked_at';
const LAST_USED_RESOLUTION_MS = 60_000;

type Runner = Pick<DataSource | EntityManager, 'query'>;

/** admin_tokens: issue (value returned once), list, revoke, and resolve a presented token. */
export class AdminTokenStore {
  /** When this process last wrote last_used_at per token: at most one UPDATE a minute per token. */
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly db: Runner) {}

  async create(input: { name: string; description?: string; role: AdminRole; tenantId: string | null; expiresAt: Date | null; createdBy: string }, runner: Runner = this.db): Promise<AdminTokenSummary & { token: string }> {
    const token = generateAdminToken();
    const rows = (await runner.query(
      `INSERT INTO admin_tokens (id, name, description, role, tenant_id, token_hash, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [randomUUID(), input.name, input.description ?? null, input.role, input.tenantId, adminTokenHash(token), input.createdBy, input.expiresAt],
    )) as AdminTokenRow[];
    return { ...summaryOf(rows[0]), token };
  }

  async list(includeRevoked = false): Promise<AdminTokenSummary[]> {
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM admin_tokens ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, id`)) as AdminTokenRow[];
    return rows.map(summaryOf);
  }

  /** Revokes by id or (unrevoked) name; the summary of what was revoked, or undefined. */
  async revoke(idOrName: string, runner: Runner = this.db): Promise<AdminTokenSummary | undefined> {
    const byId = /^[0-9a-f-]{36}$/i.test(idOrName);
    const rows = (await runner.query(
      `UPDATE admin_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND ${byId ? 'id = $1::uuid' : 'lower(name) = lower($1)'} RETURNING ${COLUMNS}`,
      [idOrName],
    )) as [AdminTokenRow[], number] | AdminTokenRow[];
    const updated = Array.isArray(rows[0]) ? (rows[0] as AdminTokenRow[]) : (rows as AdminTokenRow[]);
    return updated[0] ? summaryOf(updated[0]) : undefined;
  }

  /**
   * The live (unrevoked, unexpired) token row a presented token names. Looked up by its hash
   * (an attacker cannot steer a SHA-256 prefix, so the index walk leaks nothing useful), then
   * compared with timingSafeEqual so the final check is constant-time too.
   */
  async findLive(presented: string): Promise<AdminTokenSummary | undefined> {
    if (!presented.startsWith(ADMIN_TOKEN_PREFIX) || presented.length > 200) return undefined;
    const digest = adminTokenHash(presented);
    const rows = (await this.db.query(`SELECT ${COLUMNS} FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`, [digest])) as AdminTokenRow[];
    const row = rows[0];
    if (!row || !timingSafeEqual(row.token_hash, digest)) return undefined;
    await this.touch(row.id);
    return summaryOf(row);
  }

  /** last_used_at with one-minute resolution: cheap enough to do on the request path. */
  private async touch(id: string): Promise<void> {
    const now = Date.now();
    if (now - (this.lastTouched.get(id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastTouched.set(id, now);
    if (this.lastTouched.size > 10_000) this.lastTouched.clear();
    await this.db.query(`UPDATE admin_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [id]);
  }
}
