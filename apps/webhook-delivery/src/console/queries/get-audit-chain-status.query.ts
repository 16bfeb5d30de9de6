/** The latest verification result of the audit hash chain. */
export class GetAuditChainStatusQuery {}
