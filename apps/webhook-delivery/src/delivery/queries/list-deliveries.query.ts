import type { DeliveryFilter } from '../delivery.repository';

export class ListDeliveriesQuery {
  constructor(
    readonly tenantId: string,
    readonly filter: DeliveryFilter,
  ) {}
}
