import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditLogReader, type AuditRecord } from '@idsync/audit';
import { TenantService } from '../../tenants/tenant.service';
import { ExportAuditLogQuery } from './export-audit-log.query';
import { tenantIdOf } from './query-audit-log.handler';

/** GET /admin/audit/export: resolves the tenant up front (so a bad one is a 404, not a broken stream), then streams. */
@QueryHandler(ExportAuditLogQuery)
export class ExportAuditLogHandler implements IQueryHandler<ExportAuditLogQuery, AsyncIterable<AuditRecord>> {
  constructor(
    private readonly db: DataSource,
    private readonly tenants: TenantService,
  ) {}

  async execute(q: ExportAuditLogQuery): Promise<AsyncIterable<AuditRecord>> {
    const tenantId = q.tenant === undefined ? undefined : await tenantIdOf(this.tenants, q.tenant);
    return new AuditLogReader(this.db).stream({ tenantId, from: q.from, to: q.to });
  }
}
