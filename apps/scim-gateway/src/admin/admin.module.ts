import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AccessGrantSweeper, AdminApiGuard, adminApiTokenProvider } from '@idsync/platform';
import { AdminController } from './admin.controller';
import { CreateTenantHandler } from './commands/create-tenant.handler';
import { IssueScimTokenHandler } from './commands/issue-scim-token.handler';
import { RevokeScimTokenHandler } from './commands/revoke-scim-token.handler';
import { ListScimTokensHandler } from './queries/list-scim-tokens.handler';
import { ListTenantsHandler } from './queries/list-tenants.handler';
import { GatewayConfig } from '../config/gateway.config';

/** /admin: tenants and SCIM tokens over HTTP, behind admin tokens with roles (TenantsModule is global). */
@Module({
  imports: [CqrsModule],
  controllers: [AdminController],
  providers: [adminApiTokenProvider(GatewayConfig), AdminApiGuard, AccessGrantSweeper, CreateTenantHandler, IssueScimTokenHandler, RevokeScimTokenHandler, ListTenantsHandler, ListScimTokensHandler],
})
export class AdminModule {}
