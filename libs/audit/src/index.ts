// Public entry point of @idsync/audit: the tamper-evident audit trail — records written in the
// caller's transaction and hash-chained per tenant right after commit, checkpoints and retention, verification,
// and reading (query pages, JSON Lines export).
export * from './attribute-diff';
export * from './audit-chain';
export * from './audit-chain-verifier';
export * from './audit-chainer';
export * from './audit-checkpointer';
export * from './audit-entry';
export * from './audit-log-reader';
export * from './audit-record';
export * from './audit-writer';
export * from './canonical-json';
export * from './checkpoint-signer';
export * from './sql-runner';
