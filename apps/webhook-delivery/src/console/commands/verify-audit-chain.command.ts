/** Verify every audit hash chain now (in the background; the audit page shows the result). */
export class VerifyAuditChainCommand {}
