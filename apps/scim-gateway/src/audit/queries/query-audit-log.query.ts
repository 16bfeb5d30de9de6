import type { AuditQuery } from '@idsync/audit';

/** One page of audit records, newest first. `tenant` is a name or id (resolved by the handler). */
export class QueryAuditLogQuery {
  constructor(
    readonly tenant: string | undefined,
    readonly filter: Omit<AuditQuery, 'tenantId'>,
  ) {}
}
