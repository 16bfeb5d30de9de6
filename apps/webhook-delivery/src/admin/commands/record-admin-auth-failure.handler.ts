import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { RecordAdminAuthFailureCommand } from './record-admin-auth-failure.command';

/**
 * Audits a refused admin credential on the system chain, like the gateway does for its APIs
 * (same actions and details): which path, whether a credential was sent at all, the client address.
 */
@CommandHandler(RecordAdminAuthFailureCommand)
export class RecordAdminAuthFailureHandler implements ICommandHandler<RecordAdminAuthFailureCommand, void> {
  constructor(private readonly db: DataSource) {}

  async execute(cmd: RecordAdminAuthFailureCommand): Promise<void> {
    await AuditWriter.record(this.db.manager, {
      tenantId: null,
      actorType: 'anonymous',
      actorId: cmd.clientIp ?? 'unknown',
      action: cmd.status === 401 ? 'auth.token_rejected' : 'auth.access_denied',
      outcome: 'failure',
      details: { api: 'admin', app: 'webhook-delivery', method: cmd.method, path: cmd.path, credential: cmd.credential, status: cmd.status },
    });
  }
}
