import { Command } from 'commander';
import { appUrl, callAdminApi, resolveTenant, withDb } from '../cli-support';

// The subscription and delivery groups are clients of webhook-delivery's admin API rather than of
// its services: the API holds the secret key ring and does validation, encryption and tenant
// scoping, so the CLI needs only ADMIN_API_TOKEN and a URL, and cannot drift from the API.

export interface WebhookApiOption {
  webhookUrl?: string;
}

/** Adds `--webhook-url`; default $IDSYNC_WEBHOOK_URL (or the older $WEBHOOK_ADMIN_URL), else :3002. */
export function withWebhookApiOption(command: Command): Command {
  return command.option('--webhook-url <url>', 'webhook-delivery base URL (default $IDSYNC_WEBHOOK_URL or http://127.0.0.1:3002); needs ADMIN_API_TOKEN');
}

export function webhookApi(opts: WebhookApiOption) {
  const base = appUrl(opts.webhookUrl ?? process.env.WEBHOOK_ADMIN_URL, 'IDSYNC_WEBHOOK_URL', 3002);
  return <T>(method: string, path: string, body?: unknown) => callAdminApi<T>(base, method, path, body);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `--tenant` takes an id (used as is) or a name (looked up in DATABASE_URL). */
export async function tenantIdOf(ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  return withDb(async (db) => (await resolveTenant(db, ref)).id);
}

export interface SubscriptionView {
  id: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  description: string | null;
  customHeaders?: Record<string, string>;
}

export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventType: string;
  status: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
}
