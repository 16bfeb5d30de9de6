import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per subscription: a SCIM filter on the event's resource (e.g. `groups[value eq "…"]`) and a
 * mapping of target field names to SCIM attribute paths (NULL: the full resource).
 */
export class WebhookSubscriptionSelection1764600000000 implements MigrationInterface {
  name = 'WebhookSubscriptionSelection1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE webhook_subscriptions ADD COLUMN resource_filter text, ADD COLUMN attribute_mapping jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE webhook_subscriptions DROP COLUMN resource_filter, DROP COLUMN attribute_mapping');
  }
}
