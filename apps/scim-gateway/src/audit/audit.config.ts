import { IsInt, IsString, Max, Min } from 'class-validator';

/**
 * Settings of the audit trail's upkeep in scim-gateway (environment variables, validated at
 * start-up with loadConfig like the app's own configuration; README's configuration table).
 */
export class AuditConfig {
  /** Records older than this many days are deleted (whole chain prefixes only, anchored by a checkpoint); 0 keeps everything. */
  @IsInt()
  @Min(0)
  @Max(36_500)
  AUDIT_RETENTION_DAYS = 0;

  /** How often each advanced chain head is checkpointed (and retention applied); 0 disables the scheduler. */
  @IsInt()
  @Min(0)
  AUDIT_CHECKPOINT_INTERVAL_MS = 300_000;

  /** PKCS#8 PEM file of an Ed25519 private key: checkpoints are signed with it when set. */
  @IsString()
  AUDIT_SIGNING_KEY_FILE = '';
}
