import { Counter, Gauge } from 'prom-client';

// Module-level: prom-client's registry is process-wide, and tests start the app more than once.
export const scimRequestsShed = new Counter({
  name: 'idsync_scim_requests_shed_total',
  help: 'SCIM requests refused with 503 + Retry-After under overload, by reason (queue-full, queue-timeout, db-unavailable)',
  labelNames: ['reason'],
});

export const scimWritesInFlight = new Gauge({
  name: 'idsync_scim_writes_in_flight',
  help: 'SCIM write requests currently admitted (running)',
});

export const scimWritesQueued = new Gauge({
  name: 'idsync_scim_writes_queued',
  help: 'SCIM write requests waiting for admission',
});
