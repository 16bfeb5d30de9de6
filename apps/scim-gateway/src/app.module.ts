import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { topicDefinitions } from '@idsync/contracts';
import { DatabaseModule } from '@idsync/persistence';
import { AdminSsoModule, AppConfigModule, AppLoggingModule, HealthModule, KafkaTopicsInitializer, MetricsModule } from '@idsync/platform';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { ScimTenantRateLimitInterceptor } from './auth/scim-tenant-rate-limit.interceptor';
import { BackpressureModule } from './backpressure/backpressure.module';
import { BulkModule } from './bulk/bulk.module';
import { GatewayConfig } from './config/gateway.config';
import { DiscoveryModule } from './discovery/discovery.module';
import { OktaHooksModule } from './hooks/okta-hooks.module';
import { OutboxModule } from './outbox/outbox.module';
import { ResourcesModule } from './resources/resources.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { ScimExceptionFilter } from './scim/http/scim-exception.filter';
import { ScimOperationMetricsInterceptor } from './scim/http/scim-operation-metrics.interceptor';
import { ScimResponseInterceptor } from './scim/http/scim-response.interceptor';
import { TenantsModule } from './tenants/tenants.module';

@Module({
  imports: [
    AppConfigModule.forRoot(GatewayConfig),
    AdminSsoModule,
    AppLoggingModule,
    DatabaseModule,
    HealthModule,
    MetricsModule,
    BackpressureModule,
    OutboxModule,
    TenantsModule,
    ResourcesModule,
    DiscoveryModule,
    BulkModule,
    AdminModule,
    ReconcileModule,
    AuditModule,
    OktaHooksModule,
  ],
  providers: [
    KafkaTopicsInitializer.provider((c) => topicDefinitions(c.KAFKA_TOPIC_PREFIX)),
    { provide: APP_FILTER, useClass: ScimExceptionFilter },
    { provide: APP_INTERCEPTOR, useClass: ScimTenantRateLimitInterceptor },
    { provide: APP_INTERCEPTOR, useClass: ScimResponseInterceptor },
    { provide: APP_INTERCEPTOR, useClass: ScimOperationMetricsInterceptor },
  ],
})
export class ScimGatewayModule {}
