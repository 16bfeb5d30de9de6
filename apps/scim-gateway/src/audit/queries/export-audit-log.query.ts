/** Matching audit records as a stream, each tenant's in chain order. `tenant` is a name or id. */
export class ExportAuditLogQuery {
  constructor(
    readonly tenant: string | undefined,
    readonly from: Date | undefined,
    readonly to: Date | undefined,
  ) {}
}
