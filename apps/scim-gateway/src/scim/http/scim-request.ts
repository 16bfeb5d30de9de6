import type { Request } from 'express';
import { ScimError, type ScimProjectionRequest } from '@idsync/identity';
import type { ListParameters } from '../../resources/queries/list-resources/list-resources.query';

/** The base URL of the SCIM API as the client reached it (or as configured). */
export function scimBaseUrl(req: Request, configured: string): string {
  if (configured) return configured.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/scim/v2`;
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw ScimError.badRequest('invalidValue', `${name} may be given only once`);
  if (typeof value !== 'string') throw ScimError.badRequest('invalidValue', `${name} must be a string`);
  return value;
}

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(single(value, name));
  if (!Number.isInteger(n)) throw ScimError.badRequest('invalidValue', `${name} must be an integer`);
  return n;
}

/** RFC 7644 §3.4.2.4: startIndex < 1 means 1, negative count means 0, count is capped by the server maximum. */
export function listParameters(source: Record<string, unknown>, maxResults: number): ListParameters {
  const sortOrder = single(source.sortOrder, 'sortOrder');
  if (sortOrder !== undefined && !/^(ascending|descending)$/i.test(sortOrder)) {
    throw ScimError.badRequest('invalidValue', 'sortOrder must be "ascending" or "descending"');
  }
  const startIndex = Math.max(1, integer(source.startIndex, 'startIndex') ?? 1);
  const count = Math.min(maxResults, Math.max(0, integer(source.count, 'count') ?? maxResults));
  return {
    filter: single(source.filter, 'filter'),
    sortBy: single(source.sortBy, 'sortBy'),
    sortOrder: sortOrder?.toLowerCase() as ListParameters['sortOrder'],
    startIndex,
    count,
  };
}

export function projection(source: Record<string, unknown>): ScimProjectionRequest {
  const list = (v: unknown, name: string): string[] | undefined => {
    if (v === undefined) return undefined;
    const values = Array.isArray(v) ? v : [v];
    if (!values.every((x): x is string => typeof x === 'string')) throw ScimError.badRequest('invalidValue', `${name} must be strings`);
    return values;
  };
  return { attributes: list(source.attributes, 'attributes'), excludedAttributes: list(source.excludedAttributes, 'excludedAttributes') };
}
