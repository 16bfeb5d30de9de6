import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  SchemaAttributeResolver,
  ScimError,
  ScimFilterEvaluator,
  ScimFilterParser,
  USER_SCHEMA,
  type PatchPath,
  type ResourcePredicate,
} from '@idsync/identity';

/** Resource types the public events carry. */
export type EventResourceType = 'User' | 'Group';

// Core schemas only: custom extensions are declared in the gateway's configuration, not here.
const EVALUATORS: Record<EventResourceType, ScimFilterEvaluator> = {
  User: new ScimFilterEvaluator(new SchemaAttributeResolver(USER_SCHEMA, [ENTERPRISE_USER_SCHEMA])),
  Group: new ScimFilterEvaluator(new SchemaAttributeResolver(GROUP_SCHEMA)),
};
const RESOURCE_TYPES: EventResourceType[] = ['User', 'Group'];
const parser = new ScimFilterParser();

export class InvalidSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSelectionError';
  }
}

function detail(err: unknown): string {
  return err instanceof ScimError || err instanceof Error ? err.message : String(err);
}

/**
 * A subscription's filter on the event's resource, in SCIM filter syntax (RFC 7644 §3.4.2.2),
 * evaluated with the same semantics as SCIM queries — e.g. `groups[value eq "<group id>"]` for
 * "only users of this group" (a User's `groups` holds direct and nested memberships).
 * Events without a resource (deletes) always pass: a departure must never be filtered away.
 */
export class ResourceFilter {
  private constructor(private readonly predicates: Partial<Record<EventResourceType, ResourcePredicate>>) {}

  static parse(text: string): ResourceFilter {
    let ast;
    try {
      ast = parser.parse(text);
    } catch (err) {
      throw new InvalidSelectionError(`resourceFilter: ${detail(err)}`);
    }
    const predicates: Partial<Record<EventResourceType, ResourcePredicate>> = {};
    const problems: string[] = [];
    for (const type of RESOURCE_TYPES) {
      try {
        predicates[type] = EVALUATORS[type].compile(ast);
      } catch (err) {
        problems.push(`${type}: ${detail(err)}`);
      }
    }
    if (Object.keys(predicates).length === 0) throw new InvalidSelectionError(`resourceFilter applies to no resource type (${problems.join('; ')})`);
    return new ResourceFilter(predicates);
  }

  /** A filter that names attributes of one type only never matches resources of the other. */
  matches(resourceType: EventResourceType, resource: Record<string, unknown> | null): boolean {
    if (resource === null) return true;
    const predicate = this.predicates[resourceType];
    return predicate ? predicate(resource) : false;
  }
}

function memberIgnoringCase(object: unknown, name: string): unknown {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return undefined;
  const lowered = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lowered);
  return key === undefined ? undefined : (object as Record<string, unknown>)[key];
}

const TARGET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;
export const MAX_MAPPED_ATTRIBUTES = 50;

/**
 * Projection and renaming: `{ "<target field>": "<SCIM path>" }`, paths as in PATCH
 * (`userName`, `name.familyName`, `emails[type eq "work"].value`,
 * `urn:…:enterprise:2.0:User:department`). The event's `data.resource` becomes an object with
 * exactly the target fields (null when absent; a multi-valued path gives an array).
 */
export class AttributeMapping {
  private constructor(private readonly paths: ReadonlyArray<[string, PatchPath]>) {}

  static parse(mapping: Record<string, unknown>): AttributeMapping {
    const entries = Object.entries(mapping);
    if (entries.length === 0 || entries.length > MAX_MAPPED_ATTRIBUTES) throw new InvalidSelectionError(`attributeMapping must map 1 to ${MAX_MAPPED_ATTRIBUTES} fields`);
    const paths: Array<[string, PatchPath]> = [];
    for (const [target, path] of entries) {
      if (!TARGET_NAME.test(target)) throw new InvalidSelectionError(`attributeMapping: "${target}" is not a valid field name`);
      if (typeof path !== 'string') throw new InvalidSelectionError(`attributeMapping: the path of "${target}" must be a string`);
      try {
        paths.push([target, parser.parsePath(path)]);
      } catch (err) {
        throw new InvalidSelectionError(`attributeMapping "${target}": ${detail(err)}`);
      }
    }
    return new AttributeMapping(paths);
  }

  apply(resourceType: EventResourceType, resource: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(this.paths.map(([target, path]) => [target, this.valueAt(resourceType, resource, path) ?? null]));
  }

  private valueAt(resourceType: EventResourceType, resource: Record<string, unknown>, { attrPath, valueFilter }: PatchPath): unknown {
    const container = attrPath.schema ? memberIgnoringCase(resource, attrPath.schema) : resource;
    let value = memberIgnoringCase(container, attrPath.attribute);
    if (value === undefined || value === null) return undefined;
    if (valueFilter) {
      if (!Array.isArray(value)) return undefined;
      let predicate: ResourcePredicate;
      try {
        predicate = EVALUATORS[resourceType].compileValueFilter({ attribute: attrPath.attribute, schema: attrPath.schema }, valueFilter);
      } catch {
        return undefined; // the filter does not apply to this resource type
      }
      value = value.filter((element) => predicate(element));
    }
    if (attrPath.subAttribute === undefined) return value;
    if (Array.isArray(value)) return value.map((element) => memberIgnoringCase(element, attrPath.subAttribute as string)).filter((v) => v !== undefined);
    return memberIgnoringCase(value, attrPath.subAttribute);
  }
}
