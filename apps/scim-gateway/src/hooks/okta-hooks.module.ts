import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AdminApiGuard, adminApiTokenProvider, loadConfig } from '@idsync/platform';
import { GatewayConfig } from '../config/gateway.config';
import { ReceiveOktaEventsHandler } from './commands/receive-okta-events/receive-okta-events.handler';
import { RemoveOktaConfigHandler } from './commands/remove-okta-config/remove-okta-config.handler';
import { SetOktaApiConfigHandler } from './commands/set-okta-api-config/set-okta-api-config.handler';
import { SetOktaHookConfigHandler } from './commands/set-okta-hook-config/set-okta-hook-config.handler';
import { OktaConfigStore } from './okta-config.store';
import { OktaHookAdminController } from './okta-hook-admin.controller';
import { OktaHookEventsRetention } from './okta-hook-events.retention';
import { OktaHookAuthenticator } from './okta-hook.authenticator';
import { OktaHookController } from './okta-hook.controller';
import { OktaHookRateLimiter } from './okta-hook.rate-limiter';
import { OktaHooksConfig } from './okta-hooks.config';
import { OktaSecretBox } from './okta-secret-box';
import { OktaTenantResolver } from './okta-tenant.resolver';
import { GetOktaConfigHandler } from './queries/get-okta-config/get-okta-config.handler';

/**
 * Okta Event Hooks in (docs/OKTA.md): `/hooks/okta/{tenant}` (verification + deliveries into the
 * outbox) and `/admin/tenants/{tenant}/okta/*` to configure them. TenantsModule is global.
 */
@Module({
  imports: [CqrsModule],
  controllers: [OktaHookController, OktaHookAdminController],
  providers: [
    // Validated at start-up: a malformed key ring stops the gateway with a message naming the setting.
    { provide: OktaHooksConfig, useFactory: () => loadConfig(OktaHooksConfig) },
    { provide: OktaSecretBox, inject: [OktaHooksConfig], useFactory: (c: OktaHooksConfig) => OktaSecretBox.fromKeyRing(c.ENCRYPTION_KEYS, c.ENCRYPTION_ACTIVE_KEY_ID) },
    { provide: OktaConfigStore, inject: [OktaSecretBox], useFactory: (box: OktaSecretBox) => new OktaConfigStore(box) },
    adminApiTokenProvider(GatewayConfig),
    AdminApiGuard,
    OktaHookAuthenticator,
    OktaHookRateLimiter,
    OktaTenantResolver,
    OktaHookEventsRetention,
    ReceiveOktaEventsHandler,
    SetOktaHookConfigHandler,
    SetOktaApiConfigHandler,
    RemoveOktaConfigHandler,
    GetOktaConfigHandler,
  ],
})
export class OktaHooksModule {}
