import type { OktaApiConfigInput } from '../../okta-config.store';

/** Configure (or replace) the Okta Management API access the worker enriches events with. */
export class SetOktaApiConfigCommand {
  constructor(
    readonly tenant: string,
    readonly input: OktaApiConfigInput,
  ) {}
}
