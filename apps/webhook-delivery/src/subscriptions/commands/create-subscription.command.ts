import type { SubscriptionFields } from '../subscription.repository';

export class CreateSubscriptionCommand {
  constructor(
    readonly tenantId: string,
    readonly fields: SubscriptionFields,
  ) {}
}
