import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { RecordTokenFailureCommand } from './record-token-failure.command';

/**
 * Audits a refused credential on the system chain (the tenant is unknown when the token is):
 * which API, method and path, whether a credential was sent at all, and the client address.
 */
@CommandHandler(RecordTokenFailureCommand)
export class RecordTokenFailureHandler implements ICommandHandler<RecordTokenFailureCommand, void> {
  constructor(private readonly db: DataSource) {}

  async execute(cmd: RecordTokenFailureCommand): Promise<void> {
    await AuditWriter.record(this.db.manager, {
      tenantId: null,
      actorType: 'anonymous',
      actorId: cmd.clientIp ?? 'unknown',
      action: cmd.status === 401 ? 'auth.token_rejected' : 'auth.access_denied',
      outcome: 'failure',
      details: { api: cmd.path.split('/')[1] ?? '', method: cmd.method, path: cmd.path, credential: cmd.credential, status: cmd.status },
    });
  }
}
