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
  if (selection.resourceFilter !== null && resourceType !== undefined && !ResourceFilter.parse(selection.resourceFilter).matches(resourceType, resource)) {
    return undefined;
  }
  if (selection.attributeMapping !== null && data && resourceType !== undefined && resource !== null) {
    const mapped = AttributeMapping.parse(selection.attributeMapping).apply(resourceType, resource);
    return JSON.stringify({ ...event, data: { ...data, resource: mapped } });
  }
  return JSON.stringify(event);
}
