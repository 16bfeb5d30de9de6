/** One attribute that a change touched: its path and the values on either side (absent = not set). */
export interface AttributeChange {
  /** SCIM attribute path: `title`, `name.givenName`, `urn:…:enterprise:2.0:User:manager.value`. */
  path: string;
  before?: unknown;
  after?: unknown;
  /** Multi-valued attributes compared as sets of `value`s (group members): what was added and removed. */
  added?: unknown[];
  removed?: unknown[];
  /** Set for attributes whose values are never recorded (passwords): only the fact of the change is. */
  redacted?: true;
}

/** One audit record: when, in which tenant, who did what to which target, and what changed. */
export interface AuditEntry {
  /** null for events outside any tenant (a rejected token, whose tenant is unknown). */
  tenantId: string | null;
  actorType: 'scim-token' | 'admin' | 'okta-hook' | 'system' | 'cli' | 'anonymous';
  actorId: string;
  action: string; // e.g. 'user.create', 'group.patch', 'token.revoke', 'auth.token_rejected'
  resourceType?: string;
  resourceId?: string;
  outcome?: 'success' | 'failure';
  /** Non-identifying details: change id, version, reason, counts. */
  details?: Record<string, unknown>;
  /** The attribute diff (never passwords: see attributeDiff). */
  changes?: AttributeChange[];
  /** Defaults to now; kept to millisecond precision so the hashed value and the stored one agree. */
  occurredAt?: Date;
}
