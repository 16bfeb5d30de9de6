import { Module } from '@nestjs/common';
import { DatabaseModule } from '@idsync/persistence';
import { AppConfigModule, AppLoggingModule, HealthModule, MetricsModule } from '@idsync/platform';
import { WebhookConfig } from './config/webhook.config';
import { EventsModule } from './events/events.module';

@Module({
  imports: [AppConfigModule.forRoot(WebhookConfig), AppLoggingModule, DatabaseModule, HealthModule, MetricsModule, EventsModule],
})
export class WebhookDeliveryModule {}
