import { Global, Module } from '@nestjs/common';
import { loadConfig } from '../../config/config-loader';
import { ADMIN_SSO, AdminSso } from './admin-sso';
import { AdminSsoConfig } from './admin-sso.config';

/**
 * One AdminSso per app (its JWKS cache and discovery are shared by the admin API guard and the
 * console). Global, so every module using AdminApiGuard gets it; the settings are validated at
 * start-up and a bad OIDC_* value stops the app with a message naming it.
 */
@Global()
@Module({
  providers: [{ provide: ADMIN_SSO, useFactory: () => new AdminSso(loadConfig(AdminSsoConfig)) }],
  exports: [ADMIN_SSO],
})
export class AdminSsoModule {}
