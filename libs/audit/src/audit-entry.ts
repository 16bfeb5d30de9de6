/** One audit record: who did what to which identity, and whether it worked. Never holds PII values. */
export interface AuditEntry {
  tenantId: string | null;
  actorType: 'scim-token' | 'admin' | 'okta-hook' | 'system' | 'cli';
  actorId: string;
  action: string; // e.g. 'user.create', 'group.patch', 'token.revoke'
  resourceType?: string;
  resourceId?: string;
  outcome?: 'success' | 'failure';
  /** Non-identifying details only: changed attribute names, counts, versions. */
  details?: Record<string, unknown>;
}
