/** The newest dead letters (optionally only one tenant's, by record key), read from Kafka. */
export class ListDeadLettersQuery {
  constructor(
    readonly limit: number,
    readonly tenantId?: string,
  ) {}
}
