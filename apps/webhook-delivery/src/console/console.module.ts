import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { adminApiTokenProvider } from '@idsync/platform';
import { WebhookConfig } from '../config/webhook.config';
import { ConsoleAssetsController } from './assets/console-assets.controller';
import { AuditChainMonitor } from './audit/audit-chain-monitor';
import { VerifyAuditChainHandler } from './commands/verify-audit-chain.handler';
import { ConsoleController } from './console.controller';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsoleSecurityHeadersMiddleware } from './console-security-headers.middleware';
import { DeadLetterReader } from './dead-letters/dead-letter-reader';
import { LiveIdentityEventStream } from './live/live-identity-event-stream';
import { ConsoleReadModel } from './queries/console-read-model';
import { GetAuditChainStatusHandler } from './queries/get-audit-chain-status.handler';
import { GetDeliveryChartsHandler } from './queries/get-delivery-charts.handler';
import { GetTenantNameHandler } from './queries/get-tenant-name.handler';
import { ListConsoleTenantsHandler } from './queries/list-console-tenants.handler';
import { ListDeadLettersHandler } from './queries/list-dead-letters.handler';
import { ListSubscriptionActivityHandler } from './queries/list-subscription-activity.handler';
import { AdminTokenSignIn } from './session/admin-token-sign-in';
import { ConsoleAuthController } from './session/console-auth.controller';
import { ConsoleSsoController } from './session/console-sso.controller';
import { ConsoleSessionGuard } from './session/console-session.guard';
import { ConsoleSessionStore } from './session/console-session.store';
import { OidcConsoleSignIn } from './session/oidc-sign-in';
import { SignInThrottle } from './session/sign-in-throttle';
import { TenantConsoleController } from './tenant-console.controller';

/**
 * The operator console under /console: server-rendered pages over the same CQRS queries and
 * commands as the admin API (delivery list/detail, subscriptions, replay) plus its own read
 * queries, a live view of the public event stream, the dead-letter list and the audit-chain
 * status. Sign-in with an admin token or through the company's identity provider (OIDC single
 * sign-on); the browser then holds only an opaque session cookie.
 */
@Module({
  imports: [CqrsModule],
  controllers: [ConsoleAssetsController, ConsoleAuthController, ConsoleSsoController, ConsoleController, TenantConsoleController],
  providers: [
    adminApiTokenProvider(WebhookConfig),
    ConsoleSessionStore,
    SignInThrottle,
    AdminTokenSignIn,
    OidcConsoleSignIn,
    ConsoleSessionGuard,
    ConsoleExceptionFilter,
    ConsoleReadModel,
    LiveIdentityEventStream,
    DeadLetterReader,
    ListConsoleTenantsHandler,
    GetTenantNameHandler,
    ListSubscriptionActivityHandler,
    GetDeliveryChartsHandler,
    ListDeadLettersHandler,
    GetAuditChainStatusHandler,
    AuditChainMonitor,
    VerifyAuditChainHandler,
  ],
})
export class ConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ConsoleSecurityHeadersMiddleware).forRoutes('console', 'console/*path');
  }
}
