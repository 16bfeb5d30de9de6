// Public entry point of @idsync/platform: Nest infrastructure every app shares
// (validated configuration, structured logging, health checks, Kafka client helpers).
export * from './config/base-config';
export * from './config/config-loader';
export * from './config/config.module';
export * from './logging/logging.module';
export * from './health/health.module';
export * from './health/kafka.health';
export * from './kafka/kafka-client.factory';
export * from './kafka/kafka-topics';
export * from './kafka/kafka-topics.initializer';
export * from './bootstrap';
export * from './tracing';
export * from './metrics/metrics.module';
export * from './metrics/http-metrics';
export * from './metrics/consumer-lag';
export * from './admin/admin-api.guard';
export * from './admin/admin-roles';
export * from './admin/admin-principal';
export * from './admin/admin-principal.resolver';
export * from './admin/admin-token.store';
export * from './admin/access-grant.store';
export * from './admin/access-grant.sweeper';
export * from './http/json-structure-guard';
export * from './http/transport-security';
export * from './cli/cli-output';
export * from './openapi/openapi';
export * from './openapi/http-error.schema';
