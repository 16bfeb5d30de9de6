import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AdminApiGuard, adminApiTokenProvider, refusedCredentialAuditMiddleware } from '@idsync/platform';
import { DeliveriesController } from './admin/deliveries.controller';
import { SubscriptionsController } from './admin/subscriptions.controller';
import { AttemptDeliveryHandler } from './delivery/commands/attempt-delivery.handler';
import { FanOutIdentityEventsHandler } from './delivery/commands/fan-out-identity-events.handler';
import { RecoverSubscriptionHandler } from './delivery/commands/recover-subscription.handler';
import { ReplayDeliveryHandler } from './delivery/commands/replay-delivery.handler';
import { DeliveryRepository } from './delivery/delivery.repository';
import { DeliveryScheduler } from './delivery/delivery-scheduler';
import { GetDeliveryHandler } from './delivery/queries/get-delivery.handler';
import { ListDeliveriesHandler } from './delivery/queries/list-deliveries.handler';
import { WebhookHttpClient } from './delivery/webhook-http-client';
import { WebhookConfig } from './config/webhook.config';
import { IdentityEventsConsumer } from './events/identity-events.consumer';
import { CreateSubscriptionHandler } from './subscriptions/commands/create-subscription.handler';
import { DeleteSubscriptionHandler } from './subscriptions/commands/delete-subscription.handler';
import { ResyncSubscriptionHandler } from './subscriptions/commands/resync-subscription.handler';
import { RotateSecretHandler } from './subscriptions/commands/rotate-secret.handler';
import { UpdateSubscriptionHandler } from './subscriptions/commands/update-subscription.handler';
import { GetSubscriptionHandler } from './subscriptions/queries/get-subscription.handler';
import { ListSubscriptionsHandler } from './subscriptions/queries/list-subscriptions.handler';
import { SigningSecretVault } from './subscriptions/signing-secret-vault';
import { SubscriptionHeadersSealer } from './subscriptions/subscription-headers.sealer';
import { SubscriptionRepository } from './subscriptions/subscription.repository';

/** Subscriptions (admin API), fan-out of the public stream into delivery records, and their delivery. */
@Module({
  imports: [CqrsModule],
  controllers: [SubscriptionsController, DeliveriesController],
  providers: [
    adminApiTokenProvider(WebhookConfig),
    AdminApiGuard,
    SigningSecretVault,
    SubscriptionHeadersSealer,
    SubscriptionRepository,
    DeliveryRepository,
    WebhookHttpClient,
    DeliveryScheduler,
    CreateSubscriptionHandler,
    UpdateSubscriptionHandler,
    DeleteSubscriptionHandler,
    RotateSecretHandler,
    ListSubscriptionsHandler,
    GetSubscriptionHandler,
    FanOutIdentityEventsHandler,
    IdentityEventsConsumer,
    AttemptDeliveryHandler,
    ReplayDeliveryHandler,
    RecoverSubscriptionHandler,
    ResyncSubscriptionHandler,
    ListDeliveriesHandler,
    GetDeliveryHandler,
  ],
})
export class WebhooksModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(refusedCredentialAuditMiddleware('webhook-delivery')).forRoutes('admin/{*path}');
  }
}
