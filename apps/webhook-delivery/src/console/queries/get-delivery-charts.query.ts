/** Per-minute delivery figures of a tenant's last hour (attempts by outcome, pipeline latency). */
export class GetDeliveryChartsQuery {
  constructor(readonly tenantId: string) {}
}
