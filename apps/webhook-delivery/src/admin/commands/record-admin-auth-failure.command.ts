/** An admin API request refused for its credential (401) or its rights (403); never carries the credential itself. */
export class RecordAdminAuthFailureCommand {
  constructor(
    readonly status: 401 | 403,
    readonly method: string,
    /** The request path without its query string. */
    readonly path: string,
    readonly credential: 'missing' | 'malformed' | 'presented',
    readonly clientIp: string | undefined,
  ) {}
}
