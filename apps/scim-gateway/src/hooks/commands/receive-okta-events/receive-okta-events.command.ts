import type { OktaLogEvent } from '@idsync/contracts';

/** Store one authenticated, validated Event Hook delivery for asynchronous processing. */
export class ReceiveOktaEventsCommand {
  constructor(
    readonly tenantId: string,
    readonly events: OktaLogEvent[],
  ) {}
}

export interface ReceivedOktaEvents {
  /** Events new to this tenant, now in the outbox. */
  accepted: number;
  /** Events whose uuid was already accepted (an Okta retry): ignored. */
  duplicates: number;
}
