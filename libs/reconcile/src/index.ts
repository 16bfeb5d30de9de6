// Public entry point of @idsync/reconcile: drift detection between the gateway's database, the
// compacted current-state topics and the webhook delivery log, and its repair (docs/RELIABILITY.md).
export * from './current-state-reader';
export * from './drift';
export * from './reconciliation.service';
