import { IsInt, Min } from 'class-validator';
import { BaseAppConfig } from '@idsync/platform';

/** scim-gateway settings (environment variables; see README's configuration table). */
export class GatewayConfig extends BaseAppConfig {
  override PORT = 3000;

  /** Largest outbox batch one relay transaction publishes. */
  @IsInt()
  @Min(1)
  OUTBOX_BATCH_SIZE = 500;

  /** Fallback poll interval of the outbox relay; NOTIFY wakes it sooner. */
  @IsInt()
  @Min(50)
  OUTBOX_POLL_MS = 1_000;
}
