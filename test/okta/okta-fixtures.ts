import { randomUUID } from 'node:crypto';

export interface OktaEntity {
  id: string;
  type: string;
  alternateId?: string;
  displayName?: string;
}

/** One System Log event as Okta puts it in an Event Hook delivery (fields as in Okta's documentation). */
export function oktaEvent(eventType: string, user: OktaEntity, opts: { uuid?: string; published?: string; actor?: OktaEntity; extraTargets?: OktaEntity[] } = {}): Record<string, unknown> {
  return {
    uuid: opts.uuid ?? randomUUID(),
    published: opts.published ?? new Date().toISOString(),
    eventType,
    version: '0',
    displayMessage: eventType,
    severity: 'INFO',
    client: { userAgent: { rawUserAgent: 'Mozilla/5.0', os: 'Mac OS X', browser: 'CHROME' }, zone: 'null', device: 'Computer', id: null, ipAddress: '10.0.0.1', geographicalContext: null },
    device: null,
    actor: opts.actor ?? { id: '00uadmin0000000000x7', type: 'User', alternateId: 'admin@example.com', displayName: 'Org Admin', detailEntry: null },
    outcome: { result: 'SUCCESS', reason: null },
    target: [{ ...user, detailEntry: null }, ...(opts.extraTargets ?? []).map((t) => ({ ...t, detailEntry: null }))],
    transaction: { type: 'WEB', id: 'Xf1a2b3c', detail: {} },
    debugContext: { debugData: { requestUri: '/api/v1/users/x/lifecycle/deactivate' } },
    legacyEventType: null,
    authenticationContext: { authenticationStep: 0, externalSessionId: 'trs0000' },
    securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
    insertionTimestamp: null,
  };
}

/** An Event Hook delivery body, shaped like the example in Okta's event hook guide. */
export function oktaDelivery(events: Array<Record<string, unknown>>): Record<string, unknown> {
  return {
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: 'https://dev-000000.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3',
    eventId: randomUUID(),
    data: { events },
    eventTime: new Date().toISOString(),
    contentType: 'application/json',
  };
}

let counter = 0;
/** A fresh Okta-looking user id (`00u` + 17 alphanumerics). */
export function oktaUserId(): string {
  return `00u${(Date.now().toString(36) + (++counter).toString(36) + Math.random().toString(36).slice(2)).replace(/[^a-z0-9]/g, '').slice(0, 17).padEnd(17, '0')}`;
}
