import type { IdentityEvent } from '../../domain/identity-cloud-event';

/** One record of the public topic, to be recorded for delivery to each matching subscription. */
export class FanOutIdentityEventCommand {
  constructor(readonly event: IdentityEvent) {}
}
