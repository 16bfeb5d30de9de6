import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { BaseAppConfig } from '@idsync/platform';

/** sync-worker settings (HTTP is for health and metrics only; see README's configuration table). */
export class WorkerConfig extends BaseAppConfig {
  override PORT = 3001;

  /** Consumer group of the worker; replicas share it and split the partitions. */
  @IsString()
  @IsNotEmpty()
  WORKER_GROUP_ID = 'idsync-sync-worker';

  /** Attempts per change record before it goes to the dead-letter topic. */
  @IsInt()
  @Min(1)
  @Max(100)
  WORKER_MAX_ATTEMPTS = 5;

  /** Backoff before the second attempt; doubles per attempt up to WORKER_RETRY_MAX_MS. */
  @IsInt()
  @Min(1)
  WORKER_RETRY_INITIAL_MS = 200;

  /** Longest backoff between two attempts (keep it well under the consumer session timeout). */
  @IsInt()
  @Min(1)
  @Max(20_000)
  WORKER_RETRY_MAX_MS = 5_000;

  /** Partitions processed in parallel (records of one partition are always processed in order). */
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_PARTITIONS_CONCURRENCY = 6;

  /**
   * How long the dedupe ledger remembers a processed change. Must exceed the retention of
   * idsync.scim.changes.v1 (Kafka's default is 7 days) so no redelivery can outlive its row.
   */
  @IsInt()
  @Min(1)
  WORKER_LEDGER_RETENTION_HOURS = 14 * 24;
}
