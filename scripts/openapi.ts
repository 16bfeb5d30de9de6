// `npm run openapi`: regenerates docs/openapi/<app>.json from the controllers' decorators for every
// app with an HTTP API. No database or Kafka needed: the apps are created in Nest's preview mode
// (modules and routes are scanned, no provider is instantiated). test/docs/openapi-drift.spec.ts
// fails when the committed files differ from what this produces.
//   npm run openapi            write the files
//   npm run openapi -- --check exit 1 (listing the apps) if a committed file is stale
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { buildOpenApiDocument, serializeOpenApiDocument, type OpenApiOptions } from '@idsync/platform';

const ROOT = path.resolve(__dirname, '..');

export interface OpenApiApp {
  name: string;
  /** The app's root module and OpenAPI options (imported lazily: config is read at import time). */
  load: () => Promise<{ module: Type<unknown>; openApi: OpenApiOptions }>;
}

/** Apps with an HTTP API worth documenting (sync-worker only has /health and /metrics). */
export const OPENAPI_APPS: OpenApiApp[] = [
  {
    name: 'scim-gateway',
    load: async () => ({
      module: (await import('../apps/scim-gateway/src/app.module')).ScimGatewayModule,
      openApi: (await import('../apps/scim-gateway/src/gateway.openapi')).gatewayOpenApi,
    }),
  },
  {
    name: 'webhook-delivery',
    load: async () => ({
      module: (await import('../apps/webhook-delivery/src/app.module')).WebhookDeliveryModule,
      openApi: (await import('../apps/webhook-delivery/src/webhook.openapi')).webhookOpenApi,
    }),
  },
];

export function committedOpenApiPath(app: string): string {
  return path.join(ROOT, 'docs', 'openapi', `${app}.json`);
}

/** The app's document as `npm run openapi` writes it. */
export async function generateOpenApi(app: OpenApiApp): Promise<string> {
  const { module, openApi } = await app.load();
  const nest = await NestFactory.create(module, { preview: true, logger: false, abortOnError: false });
  try {
    return serializeOpenApiDocument(buildOpenApiDocument(nest, openApi));
  } finally {
    await nest.close();
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const app of OPENAPI_APPS) {
    const file = committedOpenApiPath(app.name);
    const generated = await generateOpenApi(app);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current === generated) {
      process.stdout.write(`${path.relative(ROOT, file)}: up to date\n`);
    } else if (check) {
      stale.push(app.name);
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, generated);
      process.stdout.write(`${path.relative(ROOT, file)}: written\n`);
    }
  }
  if (stale.length > 0) {
    process.stderr.write(`stale OpenAPI documents: ${stale.join(', ')} (run npm run openapi)\n`);
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`openapi: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
