import 'reflect-metadata';
import { runIdsyncApp, type IdsyncAppOptions } from '@idsync/platform';
import { workerAppOptions } from './worker.bootstrap';

let options: IdsyncAppOptions | undefined;
const worker = (): IdsyncAppOptions => (options ??= workerAppOptions());

// Getters, read inside runIdsyncApp's try block: a configuration error then ends in its clear
// "failed to start" message and exit code 1 instead of an uncaught exception at import time.
void runIdsyncApp(async () => (await import('./app.module')).SyncWorkerModule, {
  name: 'sync-worker',
  get clientId() {
    return worker().clientId;
  },
  get consumerGroupId() {
    return worker().consumerGroupId;
  },
  get consumer() {
    return worker().consumer;
  },
});
