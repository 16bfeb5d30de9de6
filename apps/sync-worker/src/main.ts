import 'reflect-metadata';
import { runIdsyncApp, loadConfig } from '@idsync/platform';
import { WorkerConfig } from './config/worker.config';

void runIdsyncApp(async () => (await import('./app.module')).SyncWorkerModule, {
  name: 'sync-worker',
  clientId: 'idsync-sync-worker',
  // A getter, read inside runIdsyncApp's try block: a configuration error then ends in its clear
  // "failed to start" message and exit code 1 instead of an uncaught exception at import time.
  get consumerGroupId() {
    return loadConfig(WorkerConfig).WORKER_GROUP_ID;
  },
});
