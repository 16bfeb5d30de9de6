import { NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { OktaConfigStore } from '../../okta-config.store';
import { OktaHookAuthenticator } from '../../okta-hook.authenticator';
import { OktaTenantResolver } from '../../okta-tenant.resolver';
import { RemoveOktaConfigCommand } from './remove-okta-config.command';

/** DELETE /admin/tenants/{tenant}/okta/{hook|api}. */
@CommandHandler(RemoveOktaConfigCommand)
export class RemoveOktaConfigHandler implements ICommandHandler<RemoveOktaConfigCommand, void> {
  constructor(
    private readonly db: DataSource,
    private readonly tenants: OktaTenantResolver,
    private readonly store: OktaConfigStore,
    private readonly authenticator: OktaHookAuthenticator,
  ) {}

  async execute(cmd: RemoveOktaConfigCommand): Promise<void> {
    const tenant = await this.tenants.resolve(cmd.tenant);
    const removed = await this.db.transaction(async (tx) => {
      const done = cmd.part === 'hook' ? await this.store.removeHook(tx, tenant.id) : await this.store.removeApi(tx, tenant.id);
      if (done) {
        await AuditWriter.record(tx, {
          tenantId: tenant.id,
          actorType: 'admin',
          actorId: cmd.actorId,
          action: `okta.${cmd.part}.remove`,
          resourceType: cmd.part === 'hook' ? 'OktaHookConfig' : 'OktaApiConfig',
          resourceId: tenant.id,
        });
      }
      return done;
    });
    this.authenticator.invalidate();
    if (!removed) throw new NotFoundException(`Tenant "${tenant.name}" has no Okta ${cmd.part} configuration`);
  }
}
