import { BadRequestException, NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditLogReader, InvalidAuditCursorError, type AuditPage } from '@idsync/audit';
import { TenantService } from '../../tenants/tenant.service';
import { QueryAuditLogQuery } from './query-audit-log.query';

/** GET /admin/audit. */
@QueryHandler(QueryAuditLogQuery)
export class QueryAuditLogHandler implements IQueryHandler<QueryAuditLogQuery, AuditPage> {
  constructor(
    private readonly db: DataSource,
    private readonly tenants: TenantService,
  ) {}

  async execute(q: QueryAuditLogQuery): Promise<AuditPage> {
    const tenantId = q.tenant === undefined ? undefined : await tenantIdOf(this.tenants, q.tenant);
    try {
      return await new AuditLogReader(this.db).page({ ...q.filter, tenantId });
    } catch (err) {
      if (err instanceof InvalidAuditCursorError) throw new BadRequestException(err.message);
      throw err;
    }
  }
}

/** A tenant name or id → its id; 404 when there is none. */
export async function tenantIdOf(tenants: TenantService, ref: string): Promise<string> {
  const tenant = await tenants.findByNameOrId(ref);
  if (!tenant) throw new NotFoundException(`No tenant "${ref}"`);
  return tenant.id;
}
