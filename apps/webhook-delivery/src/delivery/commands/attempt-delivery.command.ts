import type { ClaimedDelivery } from '../delivery.repository';

/** Make one HTTP attempt of a delivery this process has leased. */
export class AttemptDeliveryCommand {
  constructor(readonly delivery: ClaimedDelivery) {}
}
