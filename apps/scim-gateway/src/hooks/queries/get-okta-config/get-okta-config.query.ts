/** A tenant's Okta configuration, secrets excluded. */
export class GetOktaConfigQuery {
  constructor(readonly tenant: string) {}
}
