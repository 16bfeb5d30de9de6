import { Module } from '@nestjs/common';
import { OutboxRelay } from './outbox-relay';

/** The transactional outbox's relay to Kafka (writers use OutboxWriter inside their transactions). */
@Module({ providers: [OutboxRelay], exports: [OutboxRelay] })
export class OutboxModule {}
