import { IsNotEmpty, IsString } from 'class-validator';
import { BaseAppConfig } from '@idsync/platform';

/** sync-worker settings (HTTP is for health and metrics only). */
export class WorkerConfig extends BaseAppConfig {
  override PORT = 3001;

  /** Consumer group of the worker; replicas share it and split the partitions. */
  @IsString()
  @IsNotEmpty()
  WORKER_GROUP_ID = 'idsync-sync-worker';
}
