/** A tenant's display name for page headings (null when unknown here). */
export class GetTenantNameQuery {
  constructor(readonly tenantId: string) {}
}
