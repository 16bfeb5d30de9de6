// Public entry point of @idsync/audit: the audit trail written alongside every identity change.
export * from './audit-entry';
export * from './audit-writer';
