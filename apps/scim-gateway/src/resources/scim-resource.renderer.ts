import { Injectable } from '@nestjs/common';
import {
  findAttributeDefinition,
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
  private readonly neverReturned = new Map<ScimResourceTypeId, boolean>();

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
    // The usual schemas have no returned:"never" attribute: then there is nothing to copy.
    if (!this.hasNeverReturned(type)) return data;
    const hidesSomething = (definition: ScimAttributeDefinition | undefined) =>
      definition !== undefined && (definition.returned === 'never' || (definition.subAttributes ?? []).some((d) => d.returned === 'never'));
    const strip = (definitions: readonly ScimAttributeDefinition[], values: ScimJsonObject): ScimJsonObject => {
      // Copy only when a value must go (e.g. a stored document rarely holds a write-only attribute).
      if (!Object.keys(values).some((key) => hidesSomething(findAttributeDefinition(definitions, key)))) return values;
      const out: ScimJsonObject = {};
      for (const [key, value] of Object.entries(values)) {
        const definition = findAttributeDefinition(definitions, key);
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
    let result = strip(registry.getCoreSchema(type).attributes, data);
    for (const { schema } of registry.getExtensionSchemas(type)) {
      const key = Object.keys(result).find((k) => k.toLowerCase() === schema.id.toLowerCase());
      const value = key === undefined ? undefined : result[key];
      if (key === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      const stripped = strip(schema.attributes, value as ScimJsonObject);
      if (stripped !== value) result = { ...(result === data ? data : result), [key]: stripped }; // never write into the stored document
    }
    return result;
  }

  /** Whether a type's schemas (core or extension, sub-attributes included) declare returned:"never"; the registry is fixed at start-up. */
  private hasNeverReturned(type: ScimResourceTypeId): boolean {
    let has = this.neverReturned.get(type);
    if (has === undefined) {
      const registry = this.engine.registry;
      const schemas = [registry.getCoreSchema(type), ...registry.getExtensionSchemas(type).map((e) => e.schema)];
      has = schemas.some((schema) => schema.attributes.some((a) => a.returned === 'never' || (a.subAttributes ?? []).some((sub) => sub.returned === 'never')));
      this.neverReturned.set(type, has);
    }
    return has;
  }

  private wantsGroups(p: ScimProjectionRequest): boolean {
    const attrs = [p.attributes ?? []].flat().join(',').toLowerCase();
    const excluded = [p.excludedAttributes ?? []].flat().join(',').toLowerCase();
    if (attrs) return /(^|,|:)\s*groups\b/.test(attrs);
    return !/(^|,|:)\s*groups\s*(,|$)/.test(excluded);
  }
}
