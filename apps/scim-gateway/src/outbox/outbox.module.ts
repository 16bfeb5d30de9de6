import { Module } from '@nestjs/common';
import { OutboxMetrics } from './outbox-metrics';
import { OutboxRelay } from './outbox-relay';
import { OutboxWakeup } from './outbox-wakeup';

/** The transactional outbox's relay to Kafka and its post-commit wake-up (writers use OutboxWriter inside their transactions). */
@Module({ providers: [OutboxRelay, OutboxWakeup, OutboxMetrics], exports: [OutboxRelay] })
export class OutboxModule {}
