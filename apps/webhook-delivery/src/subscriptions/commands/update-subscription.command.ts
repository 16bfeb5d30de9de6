import type { SubscriptionFields } from '../subscription.repository';

/** Partial update: absent fields keep their value. Enabling clears the disabled reason. */
export class UpdateSubscriptionCommand {
  constructor(
    readonly tenantId: string,
    readonly subscriptionId: string,
    readonly changes: Partial<SubscriptionFields>,
  ) {}
}
