// Okta Event Hook deliveries for the chaos workload (a WorkloadGenerator): batches of System Log
// events about people the SCIM workload provisioned (and a few Okta-only people), POSTed to the
// gateway's `/hooks/okta/:tenant` with the tenant's hook secret. Like Okta, a delivery is retried
// with the SAME event uuids after a lost answer, and now and then re-sent although it succeeded;
// the gateway must store each uuid once (one public event `okta:<tenant>:<uuid>:0`).
import { OKTA_EVENT_MAPPING } from '@idsync/contracts';
import type { SeededRandom, WorkloadContext, WorkloadGenerator } from './okta-workload';

/** An Okta event uuid the gateway acknowledged (200): its public event must be on the stream. */
export interface AcceptedHookEvent {
  tenantId: string;
  uuid: string;
}

// Security and lifecycle events Okta sends about a person (every one is mapped: OKTA_EVENT_MAPPING).
const EVENT_TYPES = [
  'user.account.lock',
  'user.account.unlock',
  'user.session.clear',
  'user.account.reset_password',
  'user.lifecycle.suspend',
  'user.lifecycle.unsuspend',
  'user.account.update_profile',
  'group.user_membership.add',
  'group.user_membership.remove',
] as const;

function seededUuid(r: SeededRandom): string {
  const hex = Array.from({ length: 32 }, () => r.int(16).toString(16));
  hex[12] = '4';
  hex[16] = ((r.int(4) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

export class OktaEventHookGenerator implements WorkloadGenerator {
  readonly name = 'okta.event-hook';
  readonly accepted: AcceptedHookEvent[] = [];
  /** Deliveries sent again with the same uuids after a 200 (Okta's at-least-once delivery). */
  resentDeliveries = 0;

  /**
   * @param secrets per tenant id: the hook's header name and secret (PUT /admin/tenants/:t/okta/hook)
   * @param people per tenant id: the Okta user ids and logins the SCIM workload provisioned so far
   */
  constructor(
    readonly weight: number,
    private readonly secrets: Map<string, { headerName: string; secret: string }>,
    private readonly people: (tenantId: string) => { oktaUserId: string; login: string }[],
  ) {
    for (const t of EVENT_TYPES) if (!OKTA_EVENT_MAPPING[t]) throw new Error(`${t} is not mapped`);
  }

  async run(ctx: WorkloadContext): Promise<void> {
    const hook = this.secrets.get(ctx.tenant.tenantId);
    if (!hook) return;
    const r = ctx.random;
    const known = this.people(ctx.tenant.tenantId);
    const events = Array.from({ length: 1 + r.int(4) }, () => {
      // Mostly provisioned people (linked to their SCIM User), some only Okta knows.
      const person = known.length && r.chance(0.85) ? r.pick(known) : { oktaUserId: `00uokta${r.int(1_000)}`, login: `okta-only-${r.int(1_000)}@example.com` };
      const eventType = r.pick(EVENT_TYPES);
      const target: Record<string, string>[] = [{ id: person.oktaUserId, type: 'User', alternateId: person.login, displayName: person.login }];
      if (eventType.startsWith('group.')) target.push({ id: `00g${r.int(50)}`, type: 'UserGroup', displayName: `Okta group ${r.int(50)}` });
      return {
        uuid: seededUuid(r),
        eventType,
        published: new Date().toISOString(),
        displayMessage: eventType,
        actor: { id: '0oachaossystem', type: 'SystemPrincipal', alternateId: 'system@okta.com', displayName: 'Okta System' },
        target,
        outcome: { result: 'SUCCESS', reason: null },
      };
    });
    const body = { eventType: 'com.okta.event_hook', eventTypeVersion: '1.0', cloudEventsVersion: '0.1', contentType: 'application/json', source: 'https://chaos.okta.example/api/v1/eventHooks/who0chaos', eventId: seededUuid(r), data: { events } };
    const headers = { [hook.headerName.toLowerCase()]: hook.secret, 'content-type': 'application/json' };
    const res = await ctx.sendRaw('POST', `/hooks/okta/${ctx.tenant.tenantId}`, body, headers);
    if (res.status !== 200) {
      if (res.status !== 0 && res.status !== 429 && res.status < 500) ctx.unexpected(`event hook answered ${res.status}: ${JSON.stringify(res.body).slice(0, 160)}`);
      return;
    }
    for (const e of events) this.accepted.push({ tenantId: ctx.tenant.tenantId, uuid: e.uuid });
    if (r.chance(0.1)) {
      this.resentDeliveries++;
      const again = await ctx.sendRaw('POST', `/hooks/okta/${ctx.tenant.tenantId}`, body, headers);
      if (again.status === 200 && again.body.accepted !== 0) ctx.unexpected(`re-sent event hook delivery stored ${String(again.body.accepted)} events again`);
    }
  }
}
