import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { GetAuditChainStatusQuery } from './get-audit-chain-status.query';

export type AuditChainStatus =
  | { available: false; reason: string }
  | { available: true; ok: boolean; verifiedAt: string; chains: number; records: number; latestCheckpoint: string | null; problems: string[] };

/**
 * The audit-chain page. @idsync/audit does not export a chain verifier yet, so this reports
 * "not available"; once it does, this handler is where its latest result is read.
 */
@QueryHandler(GetAuditChainStatusQuery)
export class GetAuditChainStatusHandler implements IQueryHandler<GetAuditChainStatusQuery, AuditChainStatus> {
  execute(): Promise<AuditChainStatus> {
    return Promise.resolve({
      available: false,
      reason: 'This build has no audit-chain verifier (@idsync/audit does not export AuditChainVerifier yet). Verify the chain with the CLI once it is available.',
    });
  }
}
