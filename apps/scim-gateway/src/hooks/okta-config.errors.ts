import { BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import { OktaConfigInputError } from './okta-config.store';
import { OktaKeyRingMissingError } from './okta-secret-box';

/** Maps the store's domain errors to HTTP: bad input → 400, no key ring → 503; anything else unchanged. */
export function toHttpError(err: unknown): unknown {
  if (err instanceof OktaConfigInputError) return new BadRequestException(err.message);
  if (err instanceof OktaKeyRingMissingError) return new ServiceUnavailableException(err.message);
  return err;
}
