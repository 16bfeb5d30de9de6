import type { EntityManager } from 'typeorm';
import type { AuditEntry } from './audit-entry';

/**
 * Writes audit records inside the caller's transaction, so an identity change and its audit
 * record commit together or not at all.
 */
export class AuditWriter {
  static async record(manager: EntityManager, entry: AuditEntry): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id, outcome, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        entry.tenantId,
        entry.actorType,
        entry.actorId,
        entry.action,
        entry.resourceType ?? null,
        entry.resourceId ?? null,
        entry.outcome ?? 'success',
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }
}
