import { BadRequestException } from '@nestjs/common';

/** What the admin API shows instead of a custom header's value: values are write-only. */
export const CUSTOM_HEADER_MASK = '********';

/** The names with empty values: what `webhook_subscriptions.custom_headers` keeps in clear. */
export function headerNamesOnly(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((name) => [name, '']));
}

export function maskHeaderValues(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((name) => [name, CUSTOM_HEADER_MASK]));
}

/**
 * A PATCH may send back the masked map it read: a masked value keeps the stored one, so a client
 * can change one header without knowing the others. A mask for a header that does not exist is
 * refused rather than stored as a literal value.
 */
export function resolveMaskedHeaders(requested: Record<string, string>, current: Record<string, string>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(requested)) {
    if (value !== CUSTOM_HEADER_MASK) {
      resolved[name] = value;
      continue;
    }
    const kept = Object.entries(current).find(([k]) => k.toLowerCase() === name.toLowerCase());
    if (!kept) throw new BadRequestException(`customHeaders: "${name}" has the masked value ${CUSTOM_HEADER_MASK} but no stored value to keep; send the real value`);
    resolved[name] = kept[1];
  }
  return resolved;
}
