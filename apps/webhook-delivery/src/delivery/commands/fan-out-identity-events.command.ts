import type { IdentityEvent } from '../../domain/identity-cloud-event';

/**
 * Records of one partition of the public topic, in offset order, to be recorded for delivery to
 * each matching subscription — all of them in one statement, or none.
 */
export class FanOutIdentityEventsCommand {
  constructor(readonly events: readonly IdentityEvent[]) {}
}
