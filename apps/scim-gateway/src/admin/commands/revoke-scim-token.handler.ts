import { NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { ScimTokenService } from '../../tenants/scim-token.service';
import { RevokeScimTokenCommand } from './revoke-scim-token.command';

/** DELETE /admin/tokens/{id}: 404 unless an active token has that id. */
@CommandHandler(RevokeScimTokenCommand)
export class RevokeScimTokenHandler implements ICommandHandler<RevokeScimTokenCommand, void> {
  constructor(
    private readonly tokens: ScimTokenService,
    private readonly db: DataSource,
  ) {}

  async execute(cmd: RevokeScimTokenCommand): Promise<void> {
    // The revocation and its audit record commit together; the lookup names the token's tenant.
    await this.db.transaction(async (tx) => {
      const [token] = (await tx.query('SELECT tenant_id FROM scim_tokens WHERE id = $1 AND ($2::uuid IS NULL OR tenant_id = $2::uuid)', [cmd.tokenId, cmd.tenantLimit])) as Array<{ tenant_id: string }>;
      if (!token || !(await this.tokens.revoke(cmd.tokenId, tx))) throw new NotFoundException(`No active token with id ${cmd.tokenId}`);
      await AuditWriter.record(tx, {
        tenantId: token.tenant_id,
        actorType: 'admin',
        actorId: cmd.actorId,
        action: 'token.revoke',
        resourceType: 'ScimToken',
        resourceId: cmd.tokenId,
      });
    });
  }
}
