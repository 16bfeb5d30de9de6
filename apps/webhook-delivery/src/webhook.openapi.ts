import type { OpenApiOptions } from '@idsync/platform';

/** webhook-delivery's OpenAPI document (served at /docs, committed as docs/openapi/webhook-delivery.json). */
export const webhookOpenApi: OpenApiOptions = {
  title: 'idsync webhook-delivery',
  description: [
    'The operator API of webhook delivery: a tenant\'s webhook subscriptions (endpoints, event types, secrets), the delivery log with its attempts, replay and recovery.',
    '',
    'Plain JSON, behind an admin token whose role holds the route\'s scope (docs/SECURITY.md). Every route names the tenant it acts on; another tenant\'s ids answer 404. Payloads and signatures: docs/WEBHOOKS.md.',
  ].join('\n'),
  security: { admin: true },
};
