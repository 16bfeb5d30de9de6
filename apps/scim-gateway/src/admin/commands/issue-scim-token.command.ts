export class IssueScimTokenCommand {
  constructor(
    /** Tenant name or id. */
    readonly tenant: string,
    readonly description?: string,
  ) {}
}
