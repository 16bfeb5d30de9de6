/** Configure (or replace) a tenant's Event Hook authentication: header name + secret, or a generated secret. */
export class SetOktaHookConfigCommand {
  constructor(
    readonly tenant: string,
    readonly headerName: string,
    /** undefined: generate one (returned once). */
    readonly secret: string | undefined,
  ) {}
}
