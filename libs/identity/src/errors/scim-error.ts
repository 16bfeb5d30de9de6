/**
 * RFC 7644 §3.12 error. Everything the SCIM engine rejects is thrown as a ScimError so the
 * gateway's exception filter can render the SCIM Error schema with the right HTTP status.
 */
export type ScimErrorType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: ScimErrorType;
  detail?: string;
}

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimErrorType | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = 'ScimError';
  }

  static badRequest(scimType: ScimErrorType, detail: string): ScimError {
    return new ScimError(400, scimType, detail);
  }

  static notFound(detail: string): ScimError {
    return new ScimError(404, undefined, detail);
  }

  static conflict(detail: string): ScimError {
    return new ScimError(409, 'uniqueness', detail);
  }

  toBody(): ScimErrorBody {
    const body: ScimErrorBody = { schemas: [SCIM_ERROR_SCHEMA], status: String(this.status), detail: this.message };
    if (this.scimType) body.scimType = this.scimType;
    return body;
  }
}
