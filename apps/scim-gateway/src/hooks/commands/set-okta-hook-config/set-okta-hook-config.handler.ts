import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { OktaConfigStore, generateHookSecret, type OktaHookConfigSummary } from '../../okta-config.store';
import { toHttpError } from '../../okta-config.errors';
import { OktaHookAuthenticator } from '../../okta-hook.authenticator';
import { OktaTenantResolver } from '../../okta-tenant.resolver';
import { SetOktaHookConfigCommand } from './set-okta-hook-config.command';

export interface SetOktaHookConfigResult extends OktaHookConfigSummary {
  /** Only when idsync generated it: shown this once (stored encrypted, never returned again). */
  secret?: string;
}

/** PUT /admin/tenants/{tenant}/okta/hook: the config and its audit record commit together. */
@CommandHandler(SetOktaHookConfigCommand)
export class SetOktaHookConfigHandler implements ICommandHandler<SetOktaHookConfigCommand, SetOktaHookConfigResult> {
  constructor(
    private readonly db: DataSource,
    private readonly tenants: OktaTenantResolver,
    private readonly store: OktaConfigStore,
    private readonly authenticator: OktaHookAuthenticator,
  ) {}

  async execute(cmd: SetOktaHookConfigCommand): Promise<SetOktaHookConfigResult> {
    const tenant = await this.tenants.resolve(cmd.tenant);
    const secret = cmd.secret ?? generateHookSecret();
    try {
      const summary = await this.db.transaction(async (tx) => {
        const saved = await this.store.setHook(tx, tenant.id, cmd.headerName, secret);
        await AuditWriter.record(tx, {
          tenantId: tenant.id,
          actorType: 'admin',
          actorId: cmd.actorId,
          action: 'okta.hook.set',
          resourceType: 'OktaHookConfig',
          resourceId: tenant.id,
          details: { headerName: saved.headerName, generated: cmd.secret === undefined },
        });
        return saved;
      });
      this.authenticator.invalidate();
      return cmd.secret === undefined ? { ...summary, secret } : summary;
    } catch (err) {
      throw toHttpError(err);
    }
  }
}
