export class ListScimTokensQuery {
  constructor(
    /** Tenant name or id. */
    readonly tenant: string,
  ) {}
}
