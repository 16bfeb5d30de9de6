import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { OktaConfigStore, type OktaApiConfigSummary, type OktaHookConfigSummary } from '../../okta-config.store';
import { OktaTenantResolver } from '../../okta-tenant.resolver';
import { GetOktaConfigQuery } from './get-okta-config.query';

export interface OktaConfigView {
  tenantId: string;
  tenantName: string;
  /** Path of the tenant's Event Hook endpoint (prefix the gateway's public URL). */
  hookPath: string;
  hook: OktaHookConfigSummary | null;
  api: OktaApiConfigSummary | null;
}

@QueryHandler(GetOktaConfigQuery)
export class GetOktaConfigHandler implements IQueryHandler<GetOktaConfigQuery, OktaConfigView> {
  constructor(
    private readonly db: DataSource,
    private readonly tenants: OktaTenantResolver,
    private readonly store: OktaConfigStore,
  ) {}

  async execute(query: GetOktaConfigQuery): Promise<OktaConfigView> {
    const tenant = await this.tenants.resolve(query.tenant);
    return {
      tenantId: tenant.id,
      tenantName: tenant.name,
      hookPath: `/hooks/okta/${tenant.id}`,
      hook: (await this.store.hook(this.db, tenant.id)) ?? null,
      api: (await this.store.api(this.db, tenant.id)) ?? null,
    };
  }
}
