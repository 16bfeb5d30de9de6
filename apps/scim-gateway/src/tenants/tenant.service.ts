import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export class TenantNameTakenError extends Error {}

/** Tenants: one per identity-provider connection (an Okta org's app instance, an Entra enterprise app). */
@Injectable()
export class TenantService {
  constructor(private readonly db: DataSource) {}

  /** `tx`: the caller's transaction (so an admin action commits with its audit record). */
  async create(name: string, tx: EntityManager = this.db.manager): Promise<Tenant> {
    const trimmed = name.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(trimmed)) {
      throw new Error('tenant name must be 1-63 characters: letters, digits, . _ - (starting with a letter or digit)');
    }
    const id = randomUUID();
    try {
      const [row] = (await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING created_at', [id, trimmed])) as Array<{
        created_at: Date;
      }>;
      return { id, name: trimmed, createdAt: row.created_at.toISOString() };
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new TenantNameTakenError(`tenant "${trimmed}" already exists`);
      throw err;
    }
  }

  async findByNameOrId(ref: string): Promise<Tenant | undefined> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
    const rows = (await this.db.query(
      `SELECT id, name, created_at FROM tenants WHERE lower(name) = lower($1) ${isUuid ? 'OR id = $2::uuid' : ''} LIMIT 1`,
      isUuid ? [ref, ref] : [ref],
    )) as Array<{ id: string; name: string; created_at: Date }>;
    const r = rows[0];
    return r ? { id: r.id, name: r.name, createdAt: r.created_at.toISOString() } : undefined;
  }

  async list(): Promise<Tenant[]> {
    const rows = (await this.db.query('SELECT id, name, created_at FROM tenants ORDER BY name')) as Array<{ id: string; name: string; created_at: Date }>;
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at.toISOString() }));
  }
}
