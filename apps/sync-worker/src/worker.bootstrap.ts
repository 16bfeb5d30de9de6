import type { IdsyncAppOptions } from '@idsync/platform';
import { loadConfig } from '@idsync/platform';
import { WorkerConfig } from './config/worker.config';

/** How sync-worker is created (main.ts and tests): its consumer group, partition parallelism, raw values. */
export function workerAppOptions(): IdsyncAppOptions {
  const config = loadConfig(WorkerConfig);
  return {
    clientId: 'idsync-sync-worker',
    consumerGroupId: config.WORKER_GROUP_ID,
    consumer: { partitionsConsumedConcurrently: config.WORKER_PARTITIONS_CONCURRENCY, rawValues: true },
  };
}
