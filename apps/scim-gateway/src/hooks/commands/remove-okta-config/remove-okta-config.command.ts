/** Remove a tenant's Event Hook configuration (deliveries then get 401) or its API access. */
export class RemoveOktaConfigCommand {
  constructor(
    readonly tenant: string,
    readonly part: 'hook' | 'api',
  ) {}
}
