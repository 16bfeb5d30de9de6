import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { EnvelopeCipher } from '@idsync/crypto';
import { createIdsyncApp } from '@idsync/platform';
import { createTestDatabase, setAppEnv, testKafkaBrokers, uniqueTopicPrefix, type TestDatabase } from '@idsync/testing';
import { LocalOidcProvider, type LocalOidcClient, type TestUser } from '../support/local-oidc-provider';

// The SSO tests' stack: a local OpenID Connect provider on 127.0.0.1 and webhook-delivery (its
// admin API and console) configured to trust it, on a real database and the shared Kafka broker.

export const ADMIN_TOKEN = 'test-admin-token-sso-0123456789';

/** Test people: groups mapped by OIDC_ROLE_MAP below, and how each signs in. */
export const USERS = {
  operator: { id: 'olivia.operator', password: 'correct horse 1', groups: ['Everyone', 'idsync-operators'], amr: ['pwd', 'mfa', 'otp'] },
  auditor: { id: 'arthur.auditor', password: 'correct horse 2', groups: ['idsync-auditors'], amr: ['pwd', 'hwk'] },
  noMfa: { id: 'nick.nomfa', password: 'correct horse 3', groups: ['idsync-operators'], amr: ['pwd'] },
  unmapped: { id: 'uma.unmapped', password: 'correct horse 4', groups: ['Everyone', 'marketing'], amr: ['pwd', 'mfa'] },
} satisfies Record<string, TestUser>;

export const ROLE_MAP = 'idsync-admins=admin,idsync-operators=operator,idsync-auditors=auditor';

export interface SsoStack {
  idp: LocalOidcProvider;
  client: LocalOidcClient;
  app: INestApplication;
  url: string;
  db: TestDatabase;
  /** The idsync subject of a test user: `oidc:<issuer>#<sub>`. */
  subjectOf(user: TestUser): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const kafka = (await import('../../scripts/kafka.mjs')) as typeof import('../../scripts/kafka.mjs');
  return kafka.freePort();
}

/**
 * The provider first (the app's OIDC_ISSUER), then the app on a port chosen beforehand: the
 * client's redirect URI at the provider must name it, as at a real IdP.
 */
export async function startSsoStack(env: Record<string, string> = {}): Promise<SsoStack> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const client: LocalOidcClient = { clientId: 'idsync-test', clientSecret: randomBytes(24).toString('base64url'), redirectUris: [`${url}/console/sso/callback`, 'http://127.0.0.1/cli-callback'] };
  const idp = await LocalOidcProvider.start({ users: Object.values(USERS), clients: [client] });
  const db = await createTestDatabase('sso');
  const prefix = uniqueTopicPrefix('sso');
  setAppEnv({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: testKafkaBrokers(),
    KAFKA_TOPIC_PREFIX: prefix,
    WEBHOOK_GROUP_ID: `${prefix}-webhook`,
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
    ENCRYPTION_ACTIVE_KEY_ID: 'k1',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: client.clientId,
    OIDC_CLIENT_SECRET: client.clientSecret,
    OIDC_REDIRECT_URL: client.redirectUris[0],
    OIDC_ROLE_MAP: ROLE_MAP,
    ...env,
  });
  const { WebhookDeliveryModule } = await import('../../apps/webhook-delivery/src/app.module');
  const app = await createIdsyncApp(WebhookDeliveryModule, { clientId: 'test-sso' });
  await app.listen(port, '127.0.0.1');
  return {
    idp,
    client,
    app,
    url,
    db,
    subjectOf: (user) => `oidc:${idp.issuer}#${user.id}`,
    async close() {
      await app.close();
      await idp.close();
      await db.drop();
    },
  };
}

export interface AuditRow {
  actor_type: string;
  actor_id: string;
  action: string;
  outcome: string;
  details: Record<string, unknown>;
}
