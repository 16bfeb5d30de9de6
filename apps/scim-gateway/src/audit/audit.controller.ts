import { Controller, Get, Query, StreamableFile, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import type { AuditPage, AuditRecord } from '@idsync/audit';
import { AdminApiGuard, AdminScope, HttpErrorBody, OPENAPI_ADMIN_AUTH } from '@idsync/platform';
import { ADMIN_ROUTE_PREFIX } from '../admin/admin-paths';
import { AuditExportQueryDto, AuditQueryDto } from './dto/audit-query.dto';
import { ExportAuditLogQuery } from './queries/export-audit-log.query';
import { QueryAuditLogQuery } from './queries/query-audit-log.query';

const DEFAULT_PAGE_SIZE = 100;

/** /admin/audit: the audit trail, by tenant, actor, target, action and time; JSON Lines export. */
@ApiTags('admin: audit')
@ApiBearerAuth(OPENAPI_ADMIN_AUTH)
@ApiResponse({ status: 400, description: 'Invalid parameters (one message per field)', type: HttpErrorBody })
@ApiResponse({ status: 401, description: 'Missing, wrong, expired or revoked admin token', type: HttpErrorBody })
@ApiResponse({ status: 403, description: "The token's roles do not hold audit:read; a tenant-admin must name its tenant", type: HttpErrorBody })
@ApiResponse({ status: 404, description: "Unknown tenant (a tenant-admin: another tenant)", type: HttpErrorBody })
@Controller(`${ADMIN_ROUTE_PREFIX}/audit`)
@UseGuards(AdminApiGuard)
@AdminScope('audit:read')
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class AuditController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'Audit records, newest first; pass nextCursor back as cursor for the next page' })
  @ApiOkResponse({ description: '{ records: AuditRecord[], nextCursor: string | null }' })
  list(@Query() q: AuditQueryDto): Promise<AuditPage> {
    return this.queries.execute<QueryAuditLogQuery, AuditPage>(
      new QueryAuditLogQuery(q.tenant, {
        actorId: q.actor,
        targetId: q.target,
        action: q.action,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        cursor: q.cursor,
        limit: q.limit ?? DEFAULT_PAGE_SIZE,
      }),
    );
  }

  /** Streamed: one JSON record per line, each tenant's records in chain (seq) order. */
  @Get('export')
  @ApiOperation({ summary: 'Export audit records as JSON Lines (streamed, chain order)' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'One AuditRecord JSON document per line' })
  async export(@Query() q: AuditExportQueryDto): Promise<StreamableFile> {
    const records = await this.queries.execute<ExportAuditLogQuery, AsyncIterable<AuditRecord>>(
      new ExportAuditLogQuery(q.tenant, q.from ? new Date(q.from) : undefined, q.to ? new Date(q.to) : undefined),
    );
    const lines = Readable.from(
      (async function* () {
        for await (const record of records) yield `${JSON.stringify(record)}\n`;
      })(),
    );
    return new StreamableFile(lines, { type: 'application/x-ndjson; charset=utf-8', disposition: 'attachment; filename="audit.jsonl"' });
  }
}
