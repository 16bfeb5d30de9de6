import { IsBoolean, IsInt, IsNotEmpty, IsNumber, IsString, Matches, Max, Min, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { EnvelopeCipher } from '@idsync/crypto';
import { BaseAppConfig } from '@idsync/platform';
import { AddressPolicy } from '../domain/address-policy';

/** Why a setting's value is unusable, by the component that will use it (messages never echo key material). */
function problemOf(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** ENCRYPTION_KEYS + ENCRYPTION_ACTIVE_KEY_ID form a usable key ring (or both are empty). */
@ValidatorConstraint({ name: 'keyRing' })
class KeyRingConstraint implements ValidatorConstraintInterface {
  private problem(value: unknown, args: ValidationArguments): string | undefined {
    const config = args.object as WebhookConfig;
    if (value === '' && config.ENCRYPTION_ACTIVE_KEY_ID === '') return undefined;
    return problemOf(() => EnvelopeCipher.fromConfig(String(value), config.ENCRYPTION_ACTIVE_KEY_ID));
  }
  validate(value: unknown, args: ValidationArguments): boolean {
    return this.problem(value, args) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return this.problem(args.value, args) ?? 'ENCRYPTION_KEYS is invalid';
  }
}

@ValidatorConstraint({ name: 'cidrList' })
class CidrListConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return problemOf(() => AddressPolicy.fromConfig(String(value))) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return problemOf(() => AddressPolicy.fromConfig(String(args.value))) ?? 'WEBHOOK_ALLOWED_CIDRS is invalid';
  }
}

/** webhook-delivery settings. */
export class WebhookConfig extends BaseAppConfig {
  override PORT = 3002;

  /** Consumer group reading the public identity stream. */
  @IsString()
  @IsNotEmpty()
  WEBHOOK_GROUP_ID = 'idsync-webhook-delivery';

  /** Partitions of the public stream fanned out in parallel (each partition stays in order). */
  @IsInt()
  @Min(1)
  @Max(64)
  WEBHOOK_PARTITIONS_CONCURRENCY = 6;

  /** Bearer token of `/admin/*` (subscriptions, deliveries). Empty: the admin API answers 404. */
  @IsString()
  ADMIN_API_TOKEN = '';

  /**
   * Key ring encrypting signing secrets at rest: `kid1:<base64 32 bytes>,kid2:…`. Empty: the app
   * runs (and delivers nothing) but refuses to create subscriptions. Validated (and never
   * echoed) by @idsync/crypto at start-up.
   */
  @IsString()
  @Validate(KeyRingConstraint)
  ENCRYPTION_KEYS = '';

  /** Key id of ENCRYPTION_KEYS that new secrets are encrypted under. */
  @IsString()
  ENCRYPTION_ACTIVE_KEY_ID = '';

  /** Allow http:// endpoint URLs (development only); https otherwise. */
  @IsBoolean()
  WEBHOOK_ALLOW_HTTP = false;

  /** CIDRs exempt from the SSRF address check (e.g. `127.0.0.1/32` for a local receiver). */
  @IsString()
  @Validate(CidrListConstraint)
  WEBHOOK_ALLOWED_CIDRS = '';

  /** Delay in ms before each attempt (the first is normally 0): immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
  @IsString()
  @Matches(/^\d+(,\d+)*$/, { message: 'WEBHOOK_RETRY_SCHEDULE_MS must be comma-separated milliseconds' })
  WEBHOOK_RETRY_SCHEDULE_MS = '0,5000,300000,1800000,7200000,18000000,36000000,36000000';

  /** Up to this fraction of each retry delay is added at random, so retries of many messages spread out. */
  @IsNumber()
  @Min(0)
  @Max(1)
  WEBHOOK_RETRY_JITTER = 0.1;

  @IsInt()
  @Min(1)
  WEBHOOK_CONNECT_TIMEOUT_MS = 5_000;

  /** Whole-response deadline of one attempt (headers and the capped body). */
  @IsInt()
  @Min(1)
  WEBHOOK_RESPONSE_TIMEOUT_MS = 15_000;

  /** At most this much of a response body is read and kept in the attempt log. */
  @IsInt()
  @Min(0)
  @Max(65_536)
  WEBHOOK_RESPONSE_BODY_MAX_BYTES = 4_096;

  /** How often the scheduler looks for due deliveries (new events and finished attempts wake it at once). */
  @IsInt()
  @Min(10)
  WEBHOOK_POLL_MS = 1_000;

  /** Attempts in flight per process, across all endpoints (each endpoint also has its own limit). */
  @IsInt()
  @Min(1)
  @Max(10_000)
  WEBHOOK_MAX_IN_FLIGHT = 200;

  /** An endpoint failing every attempt for this long is disabled automatically; 0 = never. */
  @IsInt()
  @Min(0)
  WEBHOOK_AUTO_DISABLE_AFTER_MS = 5 * 86_400_000;

  /** Default grace period of a secret rotation: how long the previous secret keeps signing. */
  @IsInt()
  @Min(0)
  WEBHOOK_SECRET_ROTATION_GRACE_SECONDS = 86_400;
}
