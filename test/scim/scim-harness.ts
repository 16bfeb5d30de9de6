import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createIdsyncApp } from '@idsync/platform';
import { createTestDatabase, setAppEnv, testKafkaBrokers, uniqueTopicPrefix, type TestDatabase } from '@idsync/testing';

export interface ScimResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { [k: string]: unknown };
  text: string;
}

/** A tenant-bound SCIM client speaking HTTP to the real gateway. */
export class ScimClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimResponse> {
    const res = await fetch(`${this.baseUrl}/scim/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = {};
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  get = (path: string, headers?: Record<string, string>) => this.request('GET', path, undefined, headers);
  post = (path: string, body: unknown, headers?: Record<string, string>) => this.request('POST', path, body, headers);
  put = (path: string, body: unknown, headers?: Record<string, string>) => this.request('PUT', path, body, headers);
  patch = (path: string, body: unknown, headers?: Record<string, string>) => this.request('PATCH', path, body, headers);
  delete = (path: string, headers?: Record<string, string>) => this.request('DELETE', path, undefined, headers);
}

export interface GatewayHarness {
  app: INestApplication;
  db: TestDatabase;
  url: string;
  dataSource: DataSource;
  /** Creates a tenant with a fresh token and returns a client bound to it. */
  tenant(name?: string): Promise<ScimClient & { tenantId: string; tokenId: string }>;
  close(): Promise<void>;
}

let counter = 0;

export interface StartGatewayOptions {
  /** Run on this (already migrated) database instead of a fresh one; close() then leaves it to its owner. */
  database?: TestDatabase;
}

/** Starts the real scim-gateway (createIdsyncApp, as main.ts does) on a fresh database. */
export async function startGateway(env: Record<string, string> = {}, options: StartGatewayOptions = {}): Promise<GatewayHarness> {
  const db = options.database ?? (await createTestDatabase('scim'));
  setAppEnv({ DATABASE_URL: db.url, KAFKA_BROKERS: testKafkaBrokers(), KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('scim'), ...env });
  const { ScimGatewayModule } = await import('../../apps/scim-gateway/src/app.module');
  const { gatewayAppOptions } = await import('../../apps/scim-gateway/src/gateway.bootstrap');
  const { TenantService } = await import('../../apps/scim-gateway/src/tenants/tenant.service');
  const { ScimTokenService } = await import('../../apps/scim-gateway/src/tenants/scim-token.service');
  const app = await createIdsyncApp(ScimGatewayModule, gatewayAppOptions());
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const dataSource = app.get(DataSource);
  return {
    app,
    db,
    url,
    dataSource,
    async tenant(name = `tenant-${process.pid}-${++counter}`) {
      const t = await app.get(TenantService).create(name);
      const issued = await app.get(ScimTokenService).issue(t.id, 'test');
      return Object.assign(new ScimClient(url, issued.token), { tenantId: t.id, tokenId: issued.id });
    },
    async close() {
      await app.close();
      if (!options.database) await db.drop();
    },
  };
}
