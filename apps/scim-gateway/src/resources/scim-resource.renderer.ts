import { Injectable } from '@nestjs/common';
import {
  projectResource,
  SCIM_SCHEMAS,
  type ScimAttributeDefinition,
  type ScimJsonObject,
  type ScimProjectionRequest,
  type ScimResourceTypeId,
} from '@idsync/identity';
import { ScimEngine } from './scim-engine';
import { ScimResourceStore, type GroupMembership, type StoredResource } from './store/scim-resource.store';

export const ENDPOINTS: Record<ScimResourceTypeId, string> = { User: 'Users', Group: 'Groups' };

export function etagOf(resource: Pick<StoredResource, 'version'>): string {
  return `W/"${resource.version}"`;
}

/** Turns stored rows into SCIM JSON: id, meta, $ref links, the User `groups` attribute, projection. */
@Injectable()
export class ScimResourceRenderer {
  constructor(
    private readonly engine: ScimEngine,
    private readonly store: ScimResourceStore,
  ) {}

  /** The full representation (what events carry), without projection. */
  full(resource: StoredResource, baseUrl: string, memberships?: GroupMembership[]): ScimJsonObject {
    const { schemas, ...attributes } = this.withoutNeverReturned(resource.type, resource.data);
    const out: ScimJsonObject = {
      schemas: Array.isArray(schemas) && schemas.length > 0 ? schemas : [resource.type === 'User' ? SCIM_SCHEMAS.user : SCIM_SCHEMAS.group],
      id: resource.id,
      ...attributes,
    };
    if (resource.type === 'Group' && Array.isArray(out.members)) {
      out.members = (out.members as ScimJsonObject[]).map((m) => ({
        ...m,
        $ref: `${baseUrl}/${ENDPOINTS[(m.type as ScimResourceTypeId) ?? 'User'] ?? 'Users'}/${String(m.value)}`,
      }));
    }
    if (resource.type === 'User' && memberships && memberships.length > 0) {
      out.groups = memberships.map((g) => ({
        value: g.groupId,
        $ref: `${baseUrl}/Groups/${g.groupId}`,
        ...(g.display ? { display: g.display } : {}),
        type: g.direct ? 'direct' : 'indirect',
      }));
    }
    out.meta = {
      resourceType: resource.type,
      created: resource.createdAt.toISOString(),
      lastModified: resource.updatedAt.toISOString(),
      location: `${baseUrl}/${ENDPOINTS[resource.type]}/${resource.id}`,
      version: etagOf(resource),
    };
    return out;
  }

  /** Renders resources for a response, loading User memberships in one query. */
  async render(resources: StoredResource[], baseUrl: string, projection: ScimProjectionRequest): Promise<ScimJsonObject[]> {
    // Users read with their memberships (GET, list) need no second query.
    const userIds = resources.filter((r) => r.type === 'User' && r.memberships === undefined).map((r) => r.id);
    const memberships = userIds.length && this.wantsGroups(projection) ? await this.store.membershipsOf(resources[0].tenantId, userIds) : new Map<string, GroupMembership[]>();
    return resources.map((r) => projectResource(this.engine.registry, r.type, this.full(r, baseUrl, r.memberships ?? memberships.get(r.id)), projection));
  }

  async renderOne(resource: StoredResource, baseUrl: string, projection: ScimProjectionRequest): Promise<ScimJsonObject> {
    const [out] = await this.render([resource], baseUrl, projection);
    return out;
  }

  /** A resource created just now: nothing can list it as a member yet, so no membership query. */
  renderCreated(resource: StoredResource, baseUrl: string, projection: ScimProjectionRequest): ScimJsonObject {
    return projectResource(this.engine.registry, resource.type, this.full(resource, baseUrl), projection);
  }

  /**
   * Drops returned:"never" attributes (e.g. writeOnly extension attributes) from the document, so
   * they reach neither responses nor the change events built from full().
   */
  private withoutNeverReturned(type: ScimResourceTypeId, data: ScimJsonObject): ScimJsonObject {
    const strip = (definitions: readonly ScimAttributeDefinition[], values: ScimJsonObject): ScimJsonObject => {
      const out: ScimJsonObject = {};
      for (const [key, value] of Object.entries(values)) {
        const definition = definitions.find((d) => d.name.toLowerCase() === key.toLowerCase());
        if (definition?.returned === 'never') continue;
        const subs = definition?.subAttributes;
        if (subs?.some((d) => d.returned === 'never')) {
          const one = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? strip(subs, v as ScimJsonObject) : v);
          out[key] = Array.isArray(value) ? value.map(one) : one(value);
        } else {
          out[key] = value;
        }
      }
      return out;
    };
    const registry = this.engine.registry;
    const result = strip(registry.getCoreSchema(type).attributes, data);
    for (const { schema } of registry.getExtensionSchemas(type)) {
      const key = Object.keys(result).find((k) => k.toLowerCase() === schema.id.toLowerCase());
      const value = key === undefined ? undefined : result[key];
      if (key !== undefined && typeof value === 'object' && value !== null && !Array.isArray(value)) result[key] = strip(schema.attributes, value as ScimJsonObject);
    }
    return result;
  }

  private wantsGroups(p: ScimProjectionRequest): boolean {
    const attrs = [p.attributes ?? []].flat().join(',').toLowerCase();
    const excluded = [p.excludedAttributes ?? []].flat().join(',').toLowerCase();
    if (attrs) return /(^|,|:)\s*groups\b/.test(attrs);
    return !/(^|,|:)\s*groups\s*(,|$)/.test(excluded);
  }
}
