/** Replay every failed delivery of a subscription whose event arrived at or after `since`. */
export class RecoverSubscriptionCommand {
  constructor(
    readonly tenantId: string,
    readonly subscriptionId: string,
    readonly since: Date,
  ) {}
}
