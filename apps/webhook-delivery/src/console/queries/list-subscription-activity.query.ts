/** Attempts and successes per subscription of a tenant, over the deliveries of the last 24 hours. */
export class ListSubscriptionActivityQuery {
  constructor(readonly tenantId: string) {}
}
