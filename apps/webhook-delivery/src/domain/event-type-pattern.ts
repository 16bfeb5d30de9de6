/**
 * Event types a subscription asks for: exact (`idsync.user.created`), a trailing wildcard
 * (`idsync.user.*` = every type under `idsync.user.`, any depth) or `*` (everything).
 */
export const EVENT_TYPE_PATTERN = /^(\*|[a-z0-9]+(\.[a-z0-9]+)*(\.\*)?)$/;

export function eventTypeMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export function subscribesTo(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => eventTypeMatches(p, type));
}
