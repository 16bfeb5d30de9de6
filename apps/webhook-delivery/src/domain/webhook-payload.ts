import type { StructuredCloudEvent } from './identity-cloud-event';
import { AttributeMapping, ResourceFilter, type EventResourceType } from './resource-selection';

interface Selection {
  resourceFilter: string | null;
  attributeMapping: Record<string, string> | null;
}

interface IdentityEventDataShape {
  resourceType?: unknown;
  resource?: unknown;
}

// Parsed filters and mappings by their text: every event re-uses them (bounded: cleared when full).
const parsedFilters = new Map<string, ResourceFilter>();
const parsedMappings = new Map<string, AttributeMapping>();
const MAX_CACHED = 1_000;

function cached<T>(cache: Map<string, T>, key: string, parse: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, (value = parse()));
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The webhook body for one subscription — the structured CloudEvent, with `data.resource`
 * replaced by the mapped fields when the subscription has an attribute mapping — or undefined when
 * its resource filter excludes the event. Stored filters/mappings were validated when saved.
 */
export function selectForSubscription(event: StructuredCloudEvent, selection: Selection): string | undefined {
  const data = isRecord(event.data) ? (event.data as IdentityEventDataShape & Record<string, unknown>) : undefined;
  const resourceType: EventResourceType | undefined = data?.resourceType === 'User' || data?.resourceType === 'Group' ? data.resourceType : undefined;
  const resource = isRecord(data?.resource) ? data.resource : null;
  const filterText = selection.resourceFilter;
  if (filterText !== null && resourceType !== undefined) {
    const filter = cached(parsedFilters, filterText, () => ResourceFilter.parse(filterText));
    if (!filter.matches(resourceType, resource)) return undefined;
  }
  if (selection.attributeMapping !== null && data && resourceType !== undefined && resource !== null) {
    const mapping = selection.attributeMapping;
    const mapped = cached(parsedMappings, JSON.stringify(mapping), () => AttributeMapping.parse(mapping)).apply(resourceType, resource);
    return JSON.stringify({ ...event, data: { ...data, resource: mapped } });
  }
  return JSON.stringify(event);
}
