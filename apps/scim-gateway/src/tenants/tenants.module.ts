import { Global, Module } from '@nestjs/common';
import { ScimTokenService } from './scim-token.service';
import { TenantService } from './tenant.service';

/** Tenants and their SCIM bearer tokens (checked by ScimAuthGuard). */
@Global()
@Module({
  providers: [TenantService, ScimTokenService],
  exports: [TenantService, ScimTokenService],
})
export class TenantsModule {}
