/** Deletes a subscription with its secrets, deliveries and attempt log. */
export class DeleteSubscriptionCommand {
  constructor(
    readonly tenantId: string,
    readonly subscriptionId: string,
  ) {}
}
