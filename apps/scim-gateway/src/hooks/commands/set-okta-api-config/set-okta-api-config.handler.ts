import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { OktaConfigStore, type OktaApiConfigSummary } from '../../okta-config.store';
import { toHttpError } from '../../okta-config.errors';
import { OktaTenantResolver } from '../../okta-tenant.resolver';
import { SetOktaApiConfigCommand } from './set-okta-api-config.command';

/** PUT /admin/tenants/{tenant}/okta/api: the credential is stored encrypted and never returned. */
@CommandHandler(SetOktaApiConfigCommand)
export class SetOktaApiConfigHandler implements ICommandHandler<SetOktaApiConfigCommand, OktaApiConfigSummary> {
  constructor(
    private readonly db: DataSource,
    private readonly tenants: OktaTenantResolver,
    private readonly store: OktaConfigStore,
  ) {}

  async execute(cmd: SetOktaApiConfigCommand): Promise<OktaApiConfigSummary> {
    const tenant = await this.tenants.resolve(cmd.tenant);
    try {
      return await this.db.transaction(async (tx) => {
        const saved = await this.store.setApi(tx, tenant.id, cmd.input);
        await AuditWriter.record(tx, {
          tenantId: tenant.id,
          actorType: 'admin',
          actorId: cmd.actorId,
          action: 'okta.api.set',
          resourceType: 'OktaApiConfig',
          resourceId: tenant.id,
          details: { orgUrl: saved.orgUrl, authMethod: saved.authMethod, clientId: saved.clientId },
        });
        return saved;
      });
    } catch (err) {
      throw toHttpError(err);
    }
  }
}
