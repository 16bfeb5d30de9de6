import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { KeyRingConfigError } from '@idsync/crypto';
import {
  OktaConfigInputError,
  OktaConfigStore,
  generateHookSecret,
  type OktaApiConfigInput,
} from '../../../scim-gateway/src/hooks/okta-config.store';
import { OktaKeyRingMissingError, OktaSecretBox } from '../../../scim-gateway/src/hooks/okta-secret-box';
import { CliFailure, CliUsageError, formatTable, printResult, resolveTenant, withDb, withJsonOption, type JsonOption } from '../cli-support';

// `idsync okta hook|api …`: a tenant's Okta Event Hook secret and Okta Management API access
// (docs/OKTA.md). Writes the same tables, with the same validation and encryption, as the
// gateway's /admin/tenants/{tenant}/okta API. Secrets are encrypted with ENCRYPTION_KEYS; a value
// of `-` reads it from stdin so it stays out of shell history and `ps`.

const CLI_ACTOR = 'idsync-cli';

function store(): OktaConfigStore {
  try {
    return new OktaConfigStore(OktaSecretBox.fromKeyRing(process.env.ENCRYPTION_KEYS ?? '', process.env.ENCRYPTION_ACTIVE_KEY_ID ?? ''));
  } catch (err) {
    if (err instanceof KeyRingConfigError) throw new CliFailure(err.message);
    throw err;
  }
}

/** `-` → the first line of stdin; anything else as given. */
function secretValue(raw: string): string {
  if (raw !== '-') return raw;
  return fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

/** The store's own errors become operator messages (exit 1). */
async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof OktaConfigInputError || err instanceof OktaKeyRingMissingError) throw new CliFailure(err.message);
    throw err;
  }
}

async function audited(db: DataSource, tenantId: string, action: string, resourceType: string, details: Record<string, unknown>, change: (tx: DataSource['manager']) => Promise<void>): Promise<void> {
  await db.transaction(async (tx) => {
    await change(tx);
    await AuditWriter.record(tx, { tenantId, actorType: 'cli', actorId: CLI_ACTOR, action, resourceType, resourceId: tenantId, details });
  });
}

function share(raw: string): number {
  const n = Number(raw);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('must be a number in (0, 1]');
  return n;
}

/** Adds `okta hook set|show|remove` and `okta api set|remove` to the operator CLI. */
export function registerOktaCommands(program: Command): void {
  const okta = program.command('okta').description("A tenant's Okta Event Hook and Okta API access (docs/OKTA.md); DATABASE_URL, ENCRYPTION_KEYS, ENCRYPTION_ACTIVE_KEY_ID");
  const hook = okta.command('hook').description('The Event Hook endpoint /hooks/okta/{tenant}: authentication header and secret');

  withJsonOption(
    hook
      .command('set')
      .description('Set the header Okta sends and its secret (replaces the previous one)')
      .requiredOption('--tenant <name>', 'tenant name or id')
      .option('--header-name <name>', 'header Okta sends the secret in (Okta: Authentication field)', 'Authorization')
      .option('--secret <value>', 'the secret (Okta: Authentication secret); `-` reads it from stdin')
      .option('--generate', 'generate a 256-bit secret and print it once'),
  ).action(async (opts: JsonOption & { tenant: string; headerName: string; secret?: string; generate?: boolean }) => {
    if ((opts.secret !== undefined) === !!opts.generate) throw new CliUsageError('give either --secret <value> or --generate');
    const secret = opts.generate ? generateHookSecret() : secretValue(opts.secret as string);
    const okta = store();
    await withDb((db) =>
      run(async () => {
        const t = await resolveTenant(db, opts.tenant);
        let headerName = '';
        await audited(db, t.id, 'okta.hook.set', 'OktaHookConfig', { generated: !!opts.generate }, async (tx) => {
          headerName = (await okta.setHook(tx, t.id, opts.headerName, secret)).headerName;
        });
        const result = { tenantId: t.id, hookPath: `/hooks/okta/${t.id}`, headerName, ...(opts.generate ? { secret } : {}) };
        printResult(
          opts.json,
          result,
          [
            `Event Hook of tenant ${t.name}: POST/GET https://<gateway>${result.hookPath}`,
            `  header: ${headerName}`,
            ...(opts.generate ? [`  secret: ${secret}`, '', 'Enter it in Okta now: it cannot be shown again.'] : []),
          ].join('\n'),
        );
      }),
    );
  });

  withJsonOption(hook.command('show').description("Show a tenant's Okta configuration (never secrets) and its Event Hook path").requiredOption('--tenant <name>', 'tenant name or id')).action(
    async (opts: JsonOption & { tenant: string }) => {
      const okta = store();
      await withDb(async (db) => {
        const t = await resolveTenant(db, opts.tenant);
        const view = { tenantId: t.id, tenantName: t.name, hookPath: `/hooks/okta/${t.id}`, hook: (await okta.hook(db, t.id)) ?? null, api: (await okta.api(db, t.id)) ?? null };
        printResult(
          opts.json,
          view,
          formatTable([
            {
              tenant: t.name,
              hookPath: view.hookPath,
              header: view.hook?.headerName ?? '(not configured)',
              api: view.api ? `${view.api.authMethod} ${view.api.orgUrl}` : '(not configured)',
              share: view.api?.rateLimitShare ?? '',
            },
          ]),
        );
      });
    },
  );

  withJsonOption(hook.command('remove').description('Remove the Event Hook configuration (deliveries then get 401)').requiredOption('--tenant <name>', 'tenant name or id')).action(
    async (opts: JsonOption & { tenant: string }) => {
      const okta = store();
      await withDb(async (db) => {
        const t = await resolveTenant(db, opts.tenant);
        let removed = false;
        await audited(db, t.id, 'okta.hook.remove', 'OktaHookConfig', {}, async (tx) => {
          removed = await okta.removeHook(tx, t.id);
          if (!removed) throw new CliFailure(`tenant ${t.name} has no Event Hook configuration`);
        });
        printResult(opts.json, { tenantId: t.id, removed }, `removed the Event Hook configuration of ${t.name}`);
      });
    },
  );

  const api = okta.command('api').description('Okta Management API access the sync worker fetches full profiles with');
  withJsonOption(
    api
      .command('set')
      .description('Set the Okta org and credential: an SSWS API token, or OAuth 2.0 client credentials (secret or private key)')
      .requiredOption('--tenant <name>', 'tenant name or id')
      .requiredOption('--org-url <url>', 'the Okta org, e.g. https://example.okta.com')
      .option('--ssws-token <token>', 'an Okta API token; `-` reads it from stdin')
      .option('--client-id <id>', 'OAuth 2.0 service app client id')
      .option('--client-secret <secret>', 'its client secret (client_secret_basic); `-` reads it from stdin')
      .option('--private-key <file>', 'PEM private key file (private_key_jwt)')
      .option('--key-id <kid>', 'key id of the private key registered in Okta')
      .option('--scopes <scopes>', 'OAuth scopes, space-separated', 'okta.users.read')
      .option('--rate-limit-share <share>', 'share of the org rate limit the worker may use, (0, 1]', share),
  ).action(
    async (
      opts: JsonOption & {
        tenant: string;
        orgUrl: string;
        sswsToken?: string;
        clientId?: string;
        clientSecret?: string;
        privateKey?: string;
        keyId?: string;
        scopes: string;
        rateLimitShare?: number;
      },
    ) => {
      const given = [opts.sswsToken, opts.clientSecret, opts.privateKey].filter((v) => v !== undefined).length;
      if (given !== 1) throw new CliUsageError('give exactly one of --ssws-token, --client-secret or --private-key');
      if ((opts.sswsToken !== undefined) === (opts.clientId !== undefined)) throw new CliUsageError('--client-id goes with --client-secret or --private-key, never with --ssws-token');
      const common = { orgUrl: opts.orgUrl, scopes: opts.scopes, keyId: opts.keyId, rateLimitShare: opts.rateLimitShare };
      let input: OktaApiConfigInput;
      if (opts.sswsToken !== undefined) input = { ...common, authMethod: 'ssws', credential: secretValue(opts.sswsToken) };
      else if (opts.clientSecret !== undefined) input = { ...common, authMethod: 'client_secret', clientId: opts.clientId, credential: secretValue(opts.clientSecret) };
      else {
        let pem: string;
        try {
          pem = fs.readFileSync(opts.privateKey as string, 'utf8');
        } catch (err) {
          throw new CliFailure(`cannot read the private key file: ${(err as Error).message}`);
        }
        input = { ...common, authMethod: 'private_key', clientId: opts.clientId, credential: pem };
      }
      const okta = store();
      await withDb((db) =>
        run(async () => {
          const t = await resolveTenant(db, opts.tenant);
          let saved: Awaited<ReturnType<OktaConfigStore['setApi']>> | undefined;
          await audited(db, t.id, 'okta.api.set', 'OktaApiConfig', { orgUrl: input.orgUrl, authMethod: input.authMethod }, async (tx) => {
            saved = await okta.setApi(tx, t.id, input);
          });
          printResult(opts.json, saved, `Okta API access of ${t.name}: ${saved?.authMethod} ${saved?.orgUrl}`);
        }),
      );
    },
  );

  withJsonOption(api.command('remove').description('Remove the Okta API access (events are then published without profiles)').requiredOption('--tenant <name>', 'tenant name or id')).action(
    async (opts: JsonOption & { tenant: string }) => {
      const okta = store();
      await withDb(async (db) => {
        const t = await resolveTenant(db, opts.tenant);
        await audited(db, t.id, 'okta.api.remove', 'OktaApiConfig', {}, async (tx) => {
          if (!(await okta.removeApi(tx, t.id))) throw new CliFailure(`tenant ${t.name} has no Okta API configuration`);
        });
        printResult(opts.json, { tenantId: t.id, removed: true }, `removed the Okta API access of ${t.name}`);
      });
    },
  );
}
