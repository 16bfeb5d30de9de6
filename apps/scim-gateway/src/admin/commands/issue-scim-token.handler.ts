import { NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { ScimTokenService, type IssuedToken } from '../../tenants/scim-token.service';
import { TenantService } from '../../tenants/tenant.service';
import { IssueScimTokenCommand } from './issue-scim-token.command';

/** POST /admin/tenants/{tenant}/tokens: the token value is returned here once and never again. */
@CommandHandler(IssueScimTokenCommand)
export class IssueScimTokenHandler implements ICommandHandler<IssueScimTokenCommand, IssuedToken> {
  constructor(
    private readonly tenants: TenantService,
    private readonly tokens: ScimTokenService,
    private readonly db: DataSource,
  ) {}

  async execute(cmd: IssueScimTokenCommand): Promise<IssuedToken> {
    const tenant = await this.tenants.findByNameOrId(cmd.tenant);
    if (!tenant) throw new NotFoundException(`No tenant "${cmd.tenant}"`);
    // The token and its audit record commit together; the record never holds the token value.
    return this.db.transaction(async (tx) => {
      const issued = await this.tokens.issue(tenant.id, cmd.description, tx);
      await AuditWriter.record(tx, {
        tenantId: tenant.id,
        actorType: 'admin',
        actorId: cmd.actorId,
        action: 'token.issue',
        resourceType: 'ScimToken',
        resourceId: issued.id,
        changes: cmd.description !== undefined ? [{ path: 'description', after: cmd.description }] : undefined,
      });
      return issued;
    });
  }
}
