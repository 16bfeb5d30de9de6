import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ScimBearerStrategy } from '../auth/scim-bearer.strategy';
import { ScimTokenService } from './scim-token.service';
import { TenantService } from './tenant.service';

/** Tenants and their SCIM bearer tokens (and the passport strategy that checks them). */
@Global()
@Module({
  imports: [PassportModule],
  providers: [TenantService, ScimTokenService, ScimBearerStrategy],
  exports: [TenantService, ScimTokenService],
})
export class TenantsModule {}
