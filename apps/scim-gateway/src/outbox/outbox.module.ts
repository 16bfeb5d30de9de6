import { Module } from '@nestjs/common';
import { OutboxMetrics } from './outbox-metrics';
import { OutboxRelay } from './outbox-relay';

/** The transactional outbox's relay to Kafka (writers use OutboxWriter inside their transactions). */
@Module({ providers: [OutboxRelay, OutboxMetrics], exports: [OutboxRelay] })
export class OutboxModule {}
