import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { ScimTokenService, type ScimPrincipal } from '../tenants/scim-token.service';

export const SCIM_BEARER = 'scim-bearer';

/** passport-http-bearer: resolves a SCIM token to its tenant. */
@Injectable()
export class ScimBearerStrategy extends PassportStrategy(Strategy, SCIM_BEARER) {
  constructor(private readonly tokens: ScimTokenService) {
    super();
  }

  async validate(token: string): Promise<ScimPrincipal | false> {
    return (await this.tokens.verify(token)) ?? false;
  }
}
