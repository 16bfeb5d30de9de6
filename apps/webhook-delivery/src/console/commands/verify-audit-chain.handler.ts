import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditChainMonitor } from '../audit/audit-chain-monitor';
import { VerifyAuditChainCommand } from './verify-audit-chain.command';

@CommandHandler(VerifyAuditChainCommand)
export class VerifyAuditChainHandler implements ICommandHandler<VerifyAuditChainCommand, void> {
  constructor(private readonly monitor: AuditChainMonitor) {}

  execute(): Promise<void> {
    // Not awaited: a long chain must not hold the request; the page refreshes until it is done.
    void this.monitor.verifyInBackground();
    return Promise.resolve();
  }
}
