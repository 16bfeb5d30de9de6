import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { OutboxRelay } from './outbox-relay';
import { registerPostCommitWakeup, takeEnqueuedMark } from './outbox-writer';

/**
 * Wakes this gateway's relay right after a transaction that enqueued outbox rows commits (a
 * TypeORM commit hook), in place of a NOTIFY inside the write transaction. A crash between COMMIT
 * and this hook leaves the row to the next poll of any relay (OUTBOX_POLL_MS) or to the relay's
 * start-up drain.
 */
@Injectable()
export class OutboxWakeup implements EntitySubscriberInterface, OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly relay: OutboxRelay,
  ) {}

  onModuleInit(): void {
    this.db.subscribers.push(this);
    registerPostCommitWakeup(this.db);
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    // A released savepoint is not a commit: wait for the outermost one.
    if (queryRunner.isTransactionActive || !takeEnqueuedMark(queryRunner)) return;
    this.relay.wakeForLocalCommit();
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) takeEnqueuedMark(queryRunner);
  }
}
