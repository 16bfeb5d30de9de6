// An Okta-like provisioning workload for the chaos run, at a steady rate, round-robin over both
// gateway replicas. Like Okta it creates with filter-then-POST (and adopts on 409), updates
// profiles with PATCH and PUT, deactivates with `active: false`, pushes groups with member
// add/remove PATCHes, deletes, re-sends a request now and then (a lost response), and retries
// 429/503/5xx/connection errors with backoff (Retry-After honoured). Every request loop is bounded
// in attempts and time, and only 127.0.0.1 is ever addressed. It records each request's final
// outcome, so the checks know which changes were ACCEPTED (2xx) and must be on the stream.
import type { ChaosTenant } from './chaos-stack';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Small seeded PRNG (mulberry32): the same seed gives the same workload choices and fault schedule. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A write the gateway acknowledged with 2xx: it must reach the public stream. */
export interface AcceptedWrite {
  tenantId: string;
  resourceType: 'User' | 'Group';
  resourceId: string;
  /** The version the response's ETag named; null for a DELETE (204 carries none). */
  version: number | null;
  operation: string;
  /** A re-send of a request that had already succeeded (Okta retrying after a lost response). */
  resent: boolean;
}

export interface RequestOutcome {
  status: number;
  /** 0 = no response (connection refused/reset, timeout). */
  attempts: number;
  body: Record<string, unknown>;
  etag: string | null;
}

export interface WorkloadTally {
  operations: Record<string, number>;
  requests: number;
  attempts: number;
  /** Final statuses of requests (after retries). */
  statuses: Record<string, number>;
  /** Attempts answered 429/503 or 5xx, or without a response, that were retried. */
  retried: Record<string, number>;
  /** Requests that exhausted their attempts/time without a definite answer. */
  gaveUp: number;
  /** Attempts with no response at all (the request may or may not have committed), and a sample of why. */
  unknownOutcomes: number;
  noResponseErrors: string[];
  /** Re-sent requests (Okta's duplicate deliveries), by operation. */
  resent: Record<string, number>;
  /** Ticks skipped because too many operations were in flight (the offered rate was not met). */
  skippedTicks: number;
  /** Answers the workload did not expect (a 4xx on a request it believed valid): how many, and a sample. */
  unexpectedCount: number;
  unexpected: string[];
}

interface UserModel {
  id: string;
  userName: string;
  /** Okta's user id, sent as externalId (Okta Event Hooks name people by it). */
  externalId: string;
  active: boolean;
}
interface GroupModel {
  id: string;
  displayName: string;
  members: Set<string>;
}
interface TenantModel {
  tenant: ChaosTenant;
  users: Map<string, UserModel>;
  groups: Map<string, GroupModel>;
  created: number;
}

/** What a pluggable generator gets: the tenant, a retrying client, the accepted-write log and the PRNG. */
export interface WorkloadContext {
  tenant: ChaosTenant;
  random: SeededRandom;
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RequestOutcome>;
  /** The same retrying client for a path outside /scim/v2 (e.g. /hooks/okta/:tenant); `headers` replace the SCIM bearer token. */
  sendRaw(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<RequestOutcome>;
  accept(write: Omit<AcceptedWrite, 'tenantId' | 'resent'> & { resent?: boolean }): void;
  /** Counts an answer the workload did not expect. */
  unexpected(what: string): void;
}

/**
 * An extra kind of traffic (e.g. Okta Event Hook deliveries) plugged into the same steady stream:
 * `weight` against the built-in SCIM operations, `run` sends one unit of work.
 */
export interface WorkloadGenerator {
  name: string;
  weight: number;
  run(ctx: WorkloadContext): Promise<void>;
}

export interface OktaWorkloadOptions {
  /** Each tenant's clients (one per gateway replica, addressed round-robin; 127.0.0.1 only). */
  tenants: ChaosTenant[];
  seed: number;
  /** Operations started per second. */
  rate: number;
  durationMs: number;
  maxInFlight?: number;
  /** Per request: most attempts and longest total time before giving up. */
  maxAttempts?: number;
  maxRequestMs?: number;
  /** Probability that a successful write is sent once more, identically. */
  resendProbability?: number;
  maxUsersPerTenant?: number;
  generators?: WorkloadGenerator[];
}

const RETRIABLE = new Set([429, 500, 502, 503, 504]);
/** Ended without a definite answer (none at all, or still 429/5xx after every attempt): the tally's "gave up". */
const gaveUp = (res: { status: number }) => res.status === 0 || RETRIABLE.has(res.status);

export class OktaWorkload {
  readonly accepted: AcceptedWrite[] = [];
  readonly tally: WorkloadTally = { operations: {}, requests: 0, attempts: 0, statuses: {}, retried: {}, gaveUp: 0, unknownOutcomes: 0, noResponseErrors: [], resent: {}, skippedTicks: 0, unexpectedCount: 0, unexpected: [] };
  private readonly random: SeededRandom;
  private readonly models: TenantModel[];
  private readonly busy = new Set<string>();
  private roundRobin = 0;
  private inFlight = 0;
  private stopped = false;
  private serial = 0;
  private readonly opts: Required<Omit<OktaWorkloadOptions, 'generators'>> & { generators: WorkloadGenerator[] };

  constructor(options: OktaWorkloadOptions) {
    this.opts = { maxInFlight: 24, maxAttempts: 10, maxRequestMs: 90_000, resendProbability: 0.06, maxUsersPerTenant: 400, generators: [], ...options };
    for (const t of options.tenants) for (const c of t.clients) if (new URL(c.baseUrl).hostname !== '127.0.0.1') throw new Error(`the chaos workload only targets 127.0.0.1, not ${c.baseUrl}`);
    this.random = new SeededRandom(options.seed ^ 0x5eed);
    this.models = options.tenants.map((tenant) => ({ tenant, users: new Map(), groups: new Map(), created: 0 }));
  }

  /** The people provisioned in a tenant so far, as Okta names them (user id = externalId, login = userName). */
  people(tenantId: string): { oktaUserId: string; login: string }[] {
    const m = this.models.find((x) => x.tenant.tenantId === tenantId);
    return m ? [...m.users.values()].map((u) => ({ oktaUserId: u.externalId, login: u.userName })) : [];
  }

  /** Stops starting new operations (those in flight finish within their bounds). */
  stop(): void {
    this.stopped = true;
  }

  /** Runs the steady stream for `durationMs` (or until stop()), then waits for in-flight operations. */
  async run(): Promise<void> {
    const interval = 1000 / this.opts.rate;
    const t0 = Date.now();
    const end = t0 + this.opts.durationMs;
    const running = new Set<Promise<void>>();
    for (let tick = 0; !this.stopped && Date.now() < end; tick++) {
      const at = t0 + tick * interval;
      const wait = at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.inFlight >= this.opts.maxInFlight) {
        this.tally.skippedTicks++;
        continue;
      }
      const op = this.oneOperation().finally(() => running.delete(op));
      running.add(op);
    }
    await Promise.all(running);
  }

  private async oneOperation(): Promise<void> {
    this.inFlight++;
    try {
      const model = this.random.pick(this.models);
      const plugged = this.opts.generators.reduce((s, g) => s + g.weight, 0);
      const roll = this.random.next() * (100 + plugged);
      if (roll >= 100) {
        let r = roll - 100;
        const gen = this.opts.generators.find((g) => (r -= g.weight) < 0) ?? this.opts.generators[0];
        this.count(gen.name);
        await gen.run(this.context(model));
        return;
      }
      await this.builtIn(model, roll);
    } catch (err) {
      this.unexpected(`operation threw: ${(err as Error).message}`);
    } finally {
      this.inFlight--;
    }
  }

  // Weights out of 100: mostly profile changes, as in a real org; creates until the cap.
  private async builtIn(m: TenantModel, roll: number): Promise<void> {
    const users = [...m.users.values()];
    const groups = [...m.groups.values()];
    const full = m.users.size >= this.opts.maxUsersPerTenant;
    if (roll < 18 && !full) return this.createUser(m);
    if (roll < 20 && groups.length < 12) return this.createGroup(m);
    if (users.length < 3) return this.createUser(m);
    if (roll < 45) return this.patchProfile(m, this.random.pick(users));
    if (roll < 53) return this.putUser(m, this.random.pick(users));
    if (roll < 61) return this.setActive(m, this.random.pick(users), false);
    if (roll < 65) return this.setActive(m, this.random.pick(users), true);
    if (roll < 69) return this.deleteUser(m, this.random.pick(users));
    if (groups.length === 0) return this.createGroup(m);
    const group = this.random.pick(groups);
    if (roll < 84) return this.addMember(m, group, this.random.pick(users));
    if (roll < 94) return group.members.size ? this.removeMember(m, group, this.random.pick([...group.members])) : this.addMember(m, group, this.random.pick(users));
    if (roll < 97) return this.renameGroup(m, group);
    if (roll < 98.5 && groups.length > 4) return this.deleteGroup(m, group);
    return this.patchProfile(m, this.random.pick(users));
  }

  // ---- operations ----------------------------------------------------------------------------

  private async createUser(m: TenantModel): Promise<void> {
    const n = ++m.created;
    const userName = `chaos.${m.tenant.name}.${n}@example.com`;
    const externalId = `00u${n.toString(36)}${m.tenant.name.replace(/[^a-z0-9]/gi, '')}`;
    this.count('user.create');
    const adopt = async (): Promise<boolean> => {
      const found = await this.send(m.tenant, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      const hit = (found.body.Resources as { id: string; active?: boolean }[] | undefined)?.[0];
      if (found.status === 200 && hit) {
        m.users.set(hit.id, { id: hit.id, userName, externalId, active: hit.active !== false });
        return true;
      }
      return false;
    };
    if (await adopt()) return;
    const body = {
      schemas: [USER_SCHEMA],
      userName,
      externalId,
      name: { givenName: 'Chaos', familyName: `User${n}` },
      emails: [{ value: userName, type: 'work', primary: true }],
      active: true,
    };
    const res = await this.send(m.tenant, 'POST', '/Users', body);
    if (res.status === 201) {
      const id = String(res.body.id);
      this.accept(m, { resourceType: 'User', resourceId: id, version: versionOf(res.etag), operation: 'create' });
      if (this.random.chance(this.opts.resendProbability)) {
        // Okta lost the 201: it re-sends, gets 409 uniqueness, then filters and adopts. (The user
        // joins the model only afterwards: a concurrent DELETE in between would make the re-send a
        // legitimate new create.)
        this.resent('user.create');
        const again = await this.send(m.tenant, 'POST', '/Users', body);
        // No answer at all (counted as given up, like any request) is not a wrong answer.
        if (again.status !== 409 && !gaveUp(again)) this.unexpected(`re-sent user create answered ${again.status}`);
        if (!(await adopt())) this.unexpected(`${userName} created, but the filter finds nothing`);
      } else m.users.set(id, { id, userName, externalId, active: true });
    } else if (res.status === 409) {
      // A previous attempt committed without an answer (a killed gateway): adopt it, like Okta.
      if (!(await adopt())) this.unexpected(`create ${userName}: 409 but the filter finds nothing`);
    } else if (res.status === 0 || RETRIABLE.has(res.status)) {
      await adopt(); // gave up without an answer: it may have committed
    } else this.unexpected(`create user answered ${res.status}`);
  }

  private async patchProfile(m: TenantModel, u: UserModel): Promise<void> {
    const n = ++this.serial;
    const ops = [
      { op: 'replace', path: 'title', value: `Title ${n}` },
      { op: 'replace', path: 'name.givenName', value: `Given${n}` },
    ];
    await this.write(m, 'user.patch', 'User', u.id, 'PATCH', `/Users/${u.id}`, { schemas: [PATCH_OP], Operations: this.random.chance(0.5) ? ops : ops.slice(0, 1) });
  }

  private async putUser(m: TenantModel, u: UserModel): Promise<void> {
    const n = ++this.serial;
    const body = {
      schemas: [USER_SCHEMA],
      id: u.id,
      userName: u.userName,
      name: { givenName: `Put${n}`, familyName: 'Chaos' },
      displayName: `Chaos Put ${n}`,
      emails: [{ value: u.userName, type: 'work', primary: true }],
      active: u.active,
    };
    await this.write(m, 'user.put', 'User', u.id, 'PUT', `/Users/${u.id}`, body);
  }

  private async setActive(m: TenantModel, u: UserModel, active: boolean): Promise<void> {
    if (u.active === active) return this.patchProfile(m, u);
    const ok = await this.write(m, active ? 'user.reactivate' : 'user.deactivate', 'User', u.id, 'PATCH', `/Users/${u.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active } }],
    });
    if (ok) u.active = active;
  }

  private async deleteUser(m: TenantModel, u: UserModel): Promise<void> {
    if (!this.lock(u.id)) return;
    try {
      for (const g of m.groups.values()) if (g.members.has(u.id) && this.busy.has(g.id)) return; // its groups change too: not while they are busy
      this.count('user.delete');
      const res = await this.send(m.tenant, 'DELETE', `/Users/${u.id}`);
      if (res.status === 0 || RETRIABLE.has(res.status)) return;
      if (res.status === 204 || (res.status === 404 && res.attempts >= 1)) {
        if (res.status === 204) this.accept(m, { resourceType: 'User', resourceId: u.id, version: null, operation: 'delete' });
        m.users.delete(u.id);
        for (const g of m.groups.values()) g.members.delete(u.id);
        if (res.status === 204 && this.random.chance(this.opts.resendProbability)) {
          this.resent('user.delete');
          const again = await this.send(m.tenant, 'DELETE', `/Users/${u.id}`);
          if (again.status !== 404 && !gaveUp(again)) this.unexpected(`re-sent delete answered ${again.status}`);
        }
      } else this.unexpected(`delete user answered ${res.status}`);
    } finally {
      this.unlock(u.id);
    }
  }

  private async createGroup(m: TenantModel): Promise<void> {
    const displayName = `chaos-${m.tenant.name}-group-${++this.serial}`;
    this.count('group.create');
    const adopt = async (): Promise<boolean> => {
      const found = await this.send(m.tenant, 'GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`);
      const hits = (found.body.Resources as { id: string; members?: { value: string }[] }[] | undefined) ?? [];
      if (hits.length > 1) this.unexpected(`group ${displayName} exists ${hits.length} times`);
      if (found.status === 200 && hits[0]) {
        m.groups.set(hits[0].id, { id: hits[0].id, displayName, members: new Set((hits[0].members ?? []).map((x) => x.value)) });
        return true;
      }
      return false;
    };
    if (await adopt()) return;
    // Okta pushes a group empty, then its members with PATCH.
    const res = await this.send(m.tenant, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName, externalId: `00g${this.serial}` });
    if (res.status === 201) {
      const id = String(res.body.id);
      this.accept(m, { resourceType: 'Group', resourceId: id, version: versionOf(res.etag), operation: 'create' });
      m.groups.set(id, { id, displayName, members: new Set() });
    } else if (res.status === 0 || RETRIABLE.has(res.status)) await adopt(); // gave up without an answer: it may have committed
    else this.unexpected(`create group answered ${res.status}`);
  }

  private async addMember(m: TenantModel, g: GroupModel, u: UserModel): Promise<void> {
    if (g.members.has(u.id)) return this.removeMember(m, g, u.id);
    if (!this.lock(u.id)) return;
    try {
      const ok = await this.write(m, 'group.member.add', 'Group', g.id, 'PATCH', `/Groups/${g.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: u.id }] }],
      });
      if (ok) g.members.add(u.id);
    } finally {
      this.unlock(u.id);
    }
  }

  private async removeMember(m: TenantModel, g: GroupModel, userId: string): Promise<void> {
    if (!this.lock(userId)) return;
    try {
      const ok = await this.write(m, 'group.member.remove', 'Group', g.id, 'PATCH', `/Groups/${g.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }],
      });
      if (ok) g.members.delete(userId);
    } finally {
      this.unlock(userId);
    }
  }

  private async renameGroup(m: TenantModel, g: GroupModel): Promise<void> {
    const displayName = `${g.displayName.replace(/~\d+$/, '')}~${++this.serial}`;
    // Okta's rename: replace with a value object that echoes the id.
    const ok = await this.write(m, 'group.rename', 'Group', g.id, 'PATCH', `/Groups/${g.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id: g.id, displayName } }] });
    if (ok) g.displayName = displayName;
  }

  private async deleteGroup(m: TenantModel, g: GroupModel): Promise<void> {
    if (!this.lock(g.id)) return;
    try {
      this.count('group.delete');
      const res = await this.send(m.tenant, 'DELETE', `/Groups/${g.id}`);
      if (res.status === 0 || RETRIABLE.has(res.status)) return;
      if (res.status === 204) this.accept(m, { resourceType: 'Group', resourceId: g.id, version: null, operation: 'delete' });
      if (res.status === 204 || (res.status === 404 && res.attempts >= 1)) m.groups.delete(g.id);
      else this.unexpected(`delete group answered ${res.status}`);
    } finally {
      this.unlock(g.id);
    }
  }

  /**
   * One write to an existing resource, serialised per resource (Okta sends one user's changes in
   * order). A success may be re-sent once, identically: PATCHes are then no-ops (same version),
   * a member remove finds no target (400 noTarget: the effect already happened), a PUT makes a
   * new version with nothing changed (the gateway versions every PUT).
   */
  private async write(m: TenantModel, op: string, type: 'User' | 'Group', id: string, method: string, path: string, body: unknown): Promise<boolean> {
    if (!this.lock(id)) return false;
    try {
      this.count(op);
      const res = await this.send(m.tenant, method, path, body);
      if (res.status === 0 || RETRIABLE.has(res.status)) return false; // counted as given up
      const gone = res.status === 404;
      if (gone) {
        // Deleted meanwhile (a delete whose answer was lost, or a group delete): forget it.
        if (type === 'User') m.users.delete(id);
        else m.groups.delete(id);
        return false;
      }
      const benign = op === 'group.member.remove' && res.status === 400 && res.attempts >= 1; // applied by an earlier attempt
      if (res.status !== 200 && !benign) {
        this.unexpected(`${op} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 160)}`);
        return false;
      }
      if (res.status === 200) this.accept(m, { resourceType: type, resourceId: id, version: versionOf(res.etag), operation: op });
      if (this.random.chance(this.opts.resendProbability)) {
        this.resent(op);
        const again = await this.send(m.tenant, method, path, body);
        if (again.status === 200) this.accept(m, { resourceType: type, resourceId: id, version: versionOf(again.etag), operation: op, resent: true });
        else if (!(op === 'group.member.remove' && again.status === 400) && !gaveUp(again)) this.unexpected(`re-sent ${op} answered ${again.status}`);
      }
      return true;
    } finally {
      this.unlock(id);
    }
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /** One request with Okta-like retries; each attempt goes to the next gateway replica. */
  private async send(tenant: ChaosTenant, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, root = '/scim/v2'): Promise<RequestOutcome> {
    this.tally.requests++;
    const deadline = Date.now() + this.opts.maxRequestMs;
    let last: RequestOutcome = { status: 0, attempts: 0, body: {}, etag: null };
    for (let attempt = 1; attempt <= this.opts.maxAttempts && Date.now() < deadline; attempt++) {
      this.tally.attempts++;
      const client = tenant.clients[this.roundRobin++ % tenant.clients.length];
      let retryAfterMs = Math.min(8_000, 250 * 2 ** (attempt - 1));
      try {
        const res = await fetch(`${client.baseUrl}${root}${path}`, {
          method,
          headers: { authorization: `Bearer ${client.token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        let parsed: Record<string, unknown> = {};
        try {
          parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          parsed = {};
        }
        // attempts counts the tries before this answer: a 409/404 after an unanswered try is explained.
        last = { status: res.status, attempts: attempt - 1, body: parsed, etag: res.headers.get('etag') };
        if (!RETRIABLE.has(res.status)) break;
        this.tally.retried[String(res.status)] = (this.tally.retried[String(res.status)] ?? 0) + 1;
        const after = Number(res.headers.get('retry-after'));
        if (Number.isFinite(after) && after > 0) retryAfterMs = Math.min(30_000, after * 1000);
      } catch (err) {
        this.tally.unknownOutcomes++;
        const why = `${method} ${client.baseUrl}: ${(err as Error).name} ${(err as Error).message}`;
        if (this.tally.noResponseErrors.length < 5 && !this.tally.noResponseErrors.includes(why)) this.tally.noResponseErrors.push(why);
        this.tally.retried.noResponse = (this.tally.retried.noResponse ?? 0) + 1;
        last = { status: 0, attempts: attempt, body: {}, etag: null };
      }
      await new Promise((r) => setTimeout(r, Math.min(retryAfterMs, Math.max(0, deadline - Date.now()))));
    }
    if (last.status === 0 || RETRIABLE.has(last.status)) this.tally.gaveUp++;
    this.tally.statuses[String(last.status)] = (this.tally.statuses[String(last.status)] ?? 0) + 1;
    return last;
  }

  private context(m: TenantModel): WorkloadContext {
    return {
      tenant: m.tenant,
      random: this.random,
      send: (method, path, body, headers) => this.send(m.tenant, method, path, body, headers),
      sendRaw: (method, path, body, headers) => this.send(m.tenant, method, path, body, headers, ''),
      accept: (w) => this.accept(m, w),
      unexpected: (what) => this.unexpected(what),
    };
  }

  private accept(m: TenantModel, w: Omit<AcceptedWrite, 'tenantId' | 'resent'> & { resent?: boolean }): void {
    this.accepted.push({ tenantId: m.tenant.tenantId, resent: false, ...w });
  }

  private lock(id: string): boolean {
    if (this.busy.has(id)) return false;
    this.busy.add(id);
    return true;
  }

  private unlock(id: string): void {
    this.busy.delete(id);
  }

  private count(op: string): void {
    this.tally.operations[op] = (this.tally.operations[op] ?? 0) + 1;
  }

  private resent(op: string): void {
    this.tally.resent[op] = (this.tally.resent[op] ?? 0) + 1;
  }

  private unexpected(what: string): void {
    this.tally.unexpectedCount++;
    if (this.tally.unexpected.length < 50) this.tally.unexpected.push(what);
    else this.tally.unexpected[49] = `… and more (last: ${what})`;
  }
}

export function versionOf(etag: string | null): number {
  const m = /(\d+)/.exec(etag ?? '');
  if (!m) throw new Error(`no version in ETag ${String(etag)}`);
  return Number(m[1]);
}
