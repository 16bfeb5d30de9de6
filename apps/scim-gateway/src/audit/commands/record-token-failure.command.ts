/** A request refused for its credentials (401) or their rights (403); never carries the credential itself. */
export class RecordTokenFailureCommand {
  constructor(
    readonly status: 401 | 403,
    readonly method: string,
    /** The request path without its query string (a SCIM filter may hold PII). */
    readonly path: string,
    readonly credential: 'missing' | 'malformed' | 'presented',
    readonly clientIp: string | undefined,
  ) {}
}
