/** Send the current state of every resource the subscription selects to that subscription only. */
export class ResyncSubscriptionCommand {
  constructor(
    readonly tenantId: string,
    readonly subscriptionId: string,
  ) {}
}
