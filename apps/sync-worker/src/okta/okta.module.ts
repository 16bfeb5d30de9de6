import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { loadConfig } from '@idsync/platform';
import { ProcessedChangesLedger } from '../changes/processed-changes.ledger';
import { WorkerKafkaModule } from '../kafka/worker-kafka.module';
import { HandleOktaEventRecordHandler } from './commands/handle-okta-event-record/handle-okta-event-record.handler';
import { OktaEventsMessageController } from './okta-events.message-controller';
import { OktaIdentityPublisher } from './okta-identity.publisher';
import { OktaSubjectLinker } from './okta-subject.linker';
import { OktaUserEnricher } from './okta-user.enricher';
import { OktaWorkerConfig } from './okta-worker.config';

/**
 * Consumes accepted Okta Event Hook events (idsync.okta.events.v1) and publishes their canonical
 * events, enriched through the Okta Management API (docs/OKTA.md). Same consumer group, producer
 * and dedupe ledger as SCIM changes.
 */
@Module({
  imports: [CqrsModule, WorkerKafkaModule],
  controllers: [OktaEventsMessageController],
  providers: [
    { provide: OktaWorkerConfig, useFactory: () => loadConfig(OktaWorkerConfig) },
    HandleOktaEventRecordHandler,
    ProcessedChangesLedger,
    OktaIdentityPublisher,
    OktaSubjectLinker,
    OktaUserEnricher,
  ],
  exports: [OktaUserEnricher],
})
export class OktaModule {}
