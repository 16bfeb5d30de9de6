export class ListSubscriptionsQuery {
  constructor(readonly tenantId: string) {}
}
