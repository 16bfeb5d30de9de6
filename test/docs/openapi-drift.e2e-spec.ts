import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { EnvelopeCipher } from '@idsync/crypto';
import { createIdsyncApp, isExcludedFromOpenApi } from '@idsync/platform';
import { createTestDatabase, setAppEnv, testKafkaBrokers, uniqueTopicPrefix, type TestDatabase } from '@idsync/testing';
import { OPENAPI_APPS, committedOpenApiPath, generateOpenApi } from '../../scripts/openapi';

// The committed docs/openapi/<app>.json must be what the code generates, and must describe exactly
// the routes the running app serves. When either fails after a route or decorator change, run
// `npm run openapi` and commit the result: that is all a new route needs. Routes outside the
// document (probes, /metrics, /docs, console HTML pages) are OPENAPI_EXCLUDED_PATH_PREFIXES.

const HINT = 'run `npm run openapi` and commit docs/openapi/';

/** How each app is created, as its main.ts does (module + options), given a migrated database. */
async function startApp(name: string): Promise<INestApplication> {
  if (name === 'scim-gateway') {
    const { ScimGatewayModule } = await import('../../apps/scim-gateway/src/app.module');
    const { gatewayAppOptions } = await import('../../apps/scim-gateway/src/gateway.bootstrap');
    return createIdsyncApp(ScimGatewayModule, gatewayAppOptions());
  }
  if (name === 'webhook-delivery') {
    const { WebhookDeliveryModule } = await import('../../apps/webhook-delivery/src/app.module');
    const { webhookOpenApi } = await import('../../apps/webhook-delivery/src/webhook.openapi');
    return createIdsyncApp(WebhookDeliveryModule, { clientId: 'test-openapi-webhook', openApi: webhookOpenApi });
  }
  assert.fail(`no start-up recipe for ${name}: add it to test/docs/openapi-drift.e2e-spec.ts`);
}

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: { handle: { name: string } }[] };
}

/** Express path syntax → OpenAPI template: `:id` → `{id}`, `*path` → `{path}`. */
function openApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z0-9_]+)/g, '{$1}').replace(/\/$/, '') || '/';
}

/**
 * Methods compared: those an OpenAPI 3.0 path item describes (`@All` routes are registered for
 * every method Node knows, WebDAV included, and documented for these).
 */
const ALL_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/**
 * A controller endpoint: Nest names the router handler of a controller method `<Controller>.<method>`.
 * Middleware bound with `forRoutes()` shows up on the router as routes too (handler `handler`),
 * and Express-level routes (SwaggerModule's own, under /docs) are not controller endpoints either.
 */
const isControllerRoute = (layer: ExpressLayer): boolean => !!layer.route?.stack.some((s) => /^\w+\.\w+$/.test(s.handle.name));

/** "METHOD /path" of every controller route the app's Express router serves, excluded prefixes left out. */
function routerRoutes(app: INestApplication): Set<string> {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  const routes = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route || !isControllerRoute(layer)) continue;
    for (const raw of [layer.route.path].flat()) {
      const path = openApiPath(raw);
      if (isExcludedFromOpenApi(path)) continue;
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && ALL_METHODS.includes(method)) routes.add(`${method.toUpperCase()} ${path}`);
      }
    }
  }
  return routes;
}

function documentRoutes(document: { paths: Record<string, Record<string, unknown>> }): Set<string> {
  const routes = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item)) if (ALL_METHODS.includes(method)) routes.add(`${method.toUpperCase()} ${path}`);
  }
  return routes;
}

/** Every local `$ref` in the document points at something that exists. */
function danglingRefs(document: unknown): string[] {
  const dangling: string[] = [];
  const resolve = (ref: string): unknown => ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && (!ref.startsWith('#/') || resolve(ref) === undefined)) dangling.push(ref);
    for (const [key, value] of Object.entries(node)) if (key !== 'example' && key !== 'examples') walk(value);
  };
  walk(document);
  return dangling;
}

describe('OpenAPI documents', { timeout: 180_000 }, () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase('openapi');
    const prefix = uniqueTopicPrefix('openapi');
    setAppEnv({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testKafkaBrokers(),
      KAFKA_TOPIC_PREFIX: prefix,
      WEBHOOK_GROUP_ID: `${prefix}-webhook`,
      ADMIN_API_TOKEN: 'openapi-test-admin-token',
      ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
      ENCRYPTION_ACTIVE_KEY_ID: 'k1',
    });
  });

  after(async () => {
    await db?.drop();
  });

  for (const app of OPENAPI_APPS) {
    describe(app.name, () => {
      let generated = '';
      let running: INestApplication | undefined;
      let url = '';

      before(async () => {
        generated = await generateOpenApi(app);
        running = await startApp(app.name);
        await running.listen(0, '127.0.0.1');
        url = (await running.getUrl()).replace('[::1]', '127.0.0.1');
      });

      after(async () => {
        await running?.close();
      });

      it(`docs/openapi/${app.name}.json is what the code generates`, () => {
        const file = committedOpenApiPath(app.name);
        assert.ok(fs.existsSync(file), `${file} is missing: ${HINT}`);
        const committed = fs.readFileSync(file, 'utf8');
        if (committed !== generated) {
          const before = documentRoutes(JSON.parse(committed) as never);
          const now = documentRoutes(JSON.parse(generated) as never);
          const added = [...now].filter((r) => !before.has(r));
          const removed = [...before].filter((r) => !now.has(r));
          assert.fail(`docs/openapi/${app.name}.json is stale (routes added: ${added.join(', ') || 'none'}; removed: ${removed.join(', ') || 'none'}; or decorators changed): ${HINT}`);
        }
      });

      it('is an OpenAPI 3.0 document whose $refs all resolve and whose path parameters are declared', () => {
        const document = JSON.parse(generated) as { openapi: string; paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; responses?: object }>> };
        assert.match(document.openapi, /^3\.0\./);
        assert.deepEqual(danglingRefs(document), []);
        for (const [path, item] of Object.entries(document.paths)) {
          const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
          for (const [method, op] of Object.entries(item)) {
            const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
            assert.deepEqual(declared, templated, `${method.toUpperCase()} ${path}: path parameters`);
            assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method.toUpperCase()} ${path} documents no response`);
          }
        }
      });

      it('describes exactly the routes the running app serves', () => {
        assert.ok(running);
        const served = routerRoutes(running);
        const documented = documentRoutes(JSON.parse(generated) as never);
        assert.ok(served.size > 0, 'no routes found on the Express router');
        const undocumented = [...served].filter((r) => !documented.has(r)).sort();
        const notServed = [...documented].filter((r) => !served.has(r)).sort();
        assert.deepEqual(undocumented, [], `served but not in the OpenAPI document (decorate the controller, then ${HINT})`);
        assert.deepEqual(notServed, [], `in the OpenAPI document but not served: ${HINT}`);
      });

      it('serves the document at /docs/openapi.json and the UI at /docs', async () => {
        const json = await fetch(`${url}/docs/openapi.json`);
        assert.equal(json.status, 200);
        assert.deepEqual(await json.json(), JSON.parse(generated));
        const ui = await fetch(`${url}/docs`);
        assert.equal(ui.status, 200);
        assert.match(ui.headers.get('content-type') ?? '', /text\/html/);
        assert.match(await ui.text(), /swagger-ui/i);
      });
    });
  }
});
