import { IsInt, IsString, Max, Min, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { EnvelopeCipher } from '@idsync/crypto';

/** ENCRYPTION_KEYS + ENCRYPTION_ACTIVE_KEY_ID form a usable key ring (or both are empty). Messages never echo key material. */
@ValidatorConstraint({ name: 'oktaKeyRing' })
class KeyRingConstraint implements ValidatorConstraintInterface {
  private problem(value: unknown, args: ValidationArguments): string | undefined {
    const config = args.object as OktaHooksConfig;
    if (value === '' && config.ENCRYPTION_ACTIVE_KEY_ID === '') return undefined;
    try {
      EnvelopeCipher.fromConfig(String(value), config.ENCRYPTION_ACTIVE_KEY_ID);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
  validate(value: unknown, args: ValidationArguments): boolean {
    return this.problem(value, args) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return this.problem(args.value, args) ?? 'ENCRYPTION_KEYS is invalid';
  }
}

/**
 * scim-gateway settings of the Okta Event Hook endpoint (environment variables; README's
 * configuration table). Its own class, loaded and validated when the hooks module starts.
 */
export class OktaHooksConfig {
  /**
   * Key ring encrypting the hook secrets and Okta API credentials at rest (same format as
   * webhook-delivery's). Empty: hooks cannot be configured, and deliveries get 401.
   */
  @IsString()
  @Validate(KeyRingConstraint)
  ENCRYPTION_KEYS = '';

  /** Key id of ENCRYPTION_KEYS new secrets are encrypted under. */
  @IsString()
  ENCRYPTION_ACTIVE_KEY_ID = '';

  /** Largest Event Hook delivery body (bytes); larger ones get 413. */
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  OKTA_HOOK_MAX_PAYLOAD_BYTES = 1024 * 1024;

  /** Sustained Event Hook deliveries per second per tenant (token bucket); above it, 429 + Retry-After. */
  @IsInt()
  @Min(1)
  OKTA_HOOK_RATE_LIMIT_PER_SECOND = 20;

  /** Deliveries per tenant accepted in one burst before the per-second rate applies. */
  @IsInt()
  @Min(1)
  OKTA_HOOK_RATE_LIMIT_BURST = 40;

  /** How long accepted event uuids are remembered for dedupe (Okta retries within minutes). */
  @IsInt()
  @Min(1)
  OKTA_HOOK_DEDUPE_RETENTION_HOURS = 7 * 24;
}
