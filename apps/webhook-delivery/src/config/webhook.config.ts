import { IsNotEmpty, IsString } from 'class-validator';
import { BaseAppConfig } from '@idsync/platform';

/** webhook-delivery settings. */
export class WebhookConfig extends BaseAppConfig {
  override PORT = 3002;

  /** Consumer group reading the public identity stream. */
  @IsString()
  @IsNotEmpty()
  WEBHOOK_GROUP_ID = 'idsync-webhook-delivery';
}
