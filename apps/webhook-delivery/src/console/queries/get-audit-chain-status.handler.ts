import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AuditChainMonitor, type AuditVerificationSummary } from '../audit/audit-chain-monitor';
import { ConsoleReadModel, type AuditChainHeads } from './console-read-model';
import { GetAuditChainStatusQuery } from './get-audit-chain-status.query';

export type AuditChainStatus =
  | { available: false; reason: string }
  | { available: true; heads: AuditChainHeads; lastVerification: AuditVerificationSummary | null; verifying: boolean };

/** The audit page: chain heads and the latest checkpoint (cheap reads), plus the latest verification this console ran. */
@QueryHandler(GetAuditChainStatusQuery)
export class GetAuditChainStatusHandler implements IQueryHandler<GetAuditChainStatusQuery, AuditChainStatus> {
  constructor(
    private readonly readModel: ConsoleReadModel,
    private readonly monitor: AuditChainMonitor,
  ) {}

  async execute(): Promise<AuditChainStatus> {
    const heads = await this.readModel.auditChainHeads();
    if (!heads) return { available: false, reason: 'This database has no audit hash chain tables (audit_chain_heads, audit_checkpoints): the audit trail lives in the scim-gateway database.' };
    return { available: true, heads, lastVerification: this.monitor.lastVerification, verifying: this.monitor.verifying };
  }
}
