import { Injectable } from '@nestjs/common';
import fs from 'node:fs';
import {
  SchemaAttributeResolver,
  ScimFilterParser,
  ScimPatchEngine,
  ScimResourceValidator,
  ScimSchemaRegistry,
  type ScimAttributeResolver,
  type ScimResourceTypeId,
} from '@idsync/identity';
import { GatewayConfig } from '../config/gateway.config';

/**
 * The gateway's configured SCIM engine: the schema registry (core + enterprise + custom
 * extensions from configuration) and the validators and parsers built on it.
 */
@Injectable()
export class ScimEngine {
  readonly registry: ScimSchemaRegistry;
  readonly validator: ScimResourceValidator;
  readonly patch: ScimPatchEngine;
  readonly filters: ScimFilterParser;
  private readonly resolvers = new Map<ScimResourceTypeId, ScimAttributeResolver>();

  constructor(config: GatewayConfig) {
    this.registry = new ScimSchemaRegistry(loadExtensions(config.SCIM_SCHEMA_EXTENSIONS_FILE));
    this.validator = new ScimResourceValidator(this.registry);
    this.filters = new ScimFilterParser({ maxClauses: config.SCIM_FILTER_MAX_CLAUSES });
    this.patch = new ScimPatchEngine(this.registry, { filterParser: this.filters });
    for (const type of ['User', 'Group'] as const) {
      this.resolvers.set(
        type,
        new SchemaAttributeResolver(
          this.registry.getCoreSchema(type),
          this.registry.getExtensionSchemas(type).map((e) => e.schema),
        ),
      );
    }
  }

  resolver(type: ScimResourceTypeId): ScimAttributeResolver {
    return this.resolvers.get(type) as ScimAttributeResolver;
  }
}

function loadExtensions(file: string): unknown {
  if (!file) return [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`SCIM_SCHEMA_EXTENSIONS_FILE ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`SCIM_SCHEMA_EXTENSIONS_FILE ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
