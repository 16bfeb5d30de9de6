import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AdminApiGuard, adminApiTokenProvider, loadConfig, refusedCredentialAuditMiddleware } from '@idsync/platform';
import { GatewayConfig } from '../config/gateway.config';
import { AuditMaintenanceScheduler } from './audit-maintenance.scheduler';
import { AuditConfig } from './audit.config';
import { AuditController } from './audit.controller';
import { ExportAuditLogHandler } from './queries/export-audit-log.handler';
import { QueryAuditLogHandler } from './queries/query-audit-log.handler';

/**
 * The audit trail's gateway side (docs/AUDIT.md): query/export API under /admin/audit, periodic
 * checkpoints and retention, and audit records of refused credentials. The records of changes
 * themselves are written by each feature's handlers, in their transactions (@idsync/audit).
 */
@Module({
  imports: [CqrsModule],
  controllers: [AuditController],
  providers: [
    { provide: AuditConfig, useFactory: () => loadConfig(AuditConfig) },
    adminApiTokenProvider(GatewayConfig),
    AdminApiGuard,
    AuditMaintenanceScheduler,
    QueryAuditLogHandler,
    ExportAuditLogHandler,
  ],
  exports: [AuditMaintenanceScheduler],
})
export class AuditModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Every 401/403 of the gateway (SCIM, hooks, admin) is audited.
    consumer.apply(refusedCredentialAuditMiddleware()).forRoutes('{*path}');
  }
}
