import 'reflect-metadata';
import { runIdsyncApp, loadConfig } from '@idsync/platform';
import { WorkerConfig } from './config/worker.config';

void runIdsyncApp(async () => (await import('./app.module')).SyncWorkerModule, {
  name: 'sync-worker',
  clientId: 'idsync-sync-worker',
  consumerGroupId: loadConfig(WorkerConfig).WORKER_GROUP_ID,
});
