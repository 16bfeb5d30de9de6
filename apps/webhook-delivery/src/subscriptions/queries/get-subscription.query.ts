export class GetSubscriptionQuery {
  constructor(
    readonly tenantId: string,
    readonly subscriptionId: string,
  ) {}
}
