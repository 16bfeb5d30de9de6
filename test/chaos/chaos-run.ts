// One chaos run, start to finish: the stack of replicas, the Okta-like workload at a steady rate,
// the seeded fault schedule alongside it, a quiet bounded drain, then the checks. `npm run chaos`
// (scripts/chaos.ts) and the short variant in npm test (chaos-short.e2e-spec.ts) both call runChaos.
import { formatTable } from '@idsync/platform';
import { ChaosStack, chaosWorkDir } from './chaos-stack';
import { drainState, runChecks, waitForDrain, type CheckRow } from './chaos-checks';
import { APP_TARGETS, describeFault, fullRunRequiredFaults, planFaults, runFaults, type ExecutedFault, type Fault, type PlannedFault } from './fault-schedule';
import { OktaEventHookGenerator } from './okta-event-hooks';
import { OktaWorkload, SeededRandom, type WorkloadTally } from './okta-workload';

export interface ChaosOptions {
  label: string;
  seed: number;
  /** Workload duration (faults happen within it). */
  durationMs: number;
  /** SCIM operations started per second. */
  rate: number;
  /** Bounded wait for the system to drain after the workload. */
  drainTimeoutMs: number;
  /** Faults that must happen (default: every kind, each replica SIGKILLed once). */
  required?: { required: Fault[]; requiredReceiver: Fault[] };
  /** Pause between two faults of a track. */
  gapMs?: [number, number];
  maxUsersPerTenant?: number;
  /** Weight of Okta Event Hook deliveries against 100 for the SCIM operations (0: none). */
  eventHookWeight?: number;
  log?: (line: string) => void;
  keepDatabase?: boolean;
  /** webhook-delivery replicas (default 2). */
  webhookReplicas?: 1 | 2;
}

export interface ChaosResult {
  ok: boolean;
  seed: number;
  startedAt: string;
  options: { durationMs: number; rate: number; drainTimeoutMs: number };
  plan: { atMs: number; fault: string }[];
  executed: { startedMs: number; endedMs: number; fault: string; note: string }[];
  workload: WorkloadTally & { accepted: number; eventHooksAccepted: number; eventHookDeliveriesResent: number };
  checks: CheckRow[];
  totalMs: number;
  workDir: string;
}

const TENANTS = ['okta-a', 'okta-b'];
// Several receivers per tenant with different selections, so matching is checked too.
const SUBSCRIPTIONS = [
  { tenant: 0, eventTypes: ['*'] },
  { tenant: 0, eventTypes: ['idsync.user.*'] },
  { tenant: 0, eventTypes: ['idsync.group.*', 'idsync.user.deactivated', 'idsync.user.deleted'] },
  { tenant: 1, eventTypes: ['*'] },
];

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? ((line: string) => process.stderr.write(`[chaos] ${line}\n`));
  const started = Date.now();
  const workDir = chaosWorkDir(o.label);
  const r = new SeededRandom(o.seed);
  const required = o.required ?? fullRunRequiredFaults(r, SUBSCRIPTIONS.length);
  const plan: PlannedFault[] = planFaults({
    seed: o.seed,
    startMs: Math.min(10_000, o.durationMs / 6),
    endMs: o.durationMs - Math.min(10_000, o.durationMs / 10),
    receivers: SUBSCRIPTIONS.length,
    ...required,
    gapMs: o.gapMs ?? [3_000, 12_000],
    appTargets: o.webhookReplicas === 1 ? APP_TARGETS.filter((t) => t !== 'webhooks-b') : APP_TARGETS,
  });
  log(`seed ${o.seed}; ${o.durationMs / 1000} s at ${o.rate} ops/s; fault schedule (${plan.length} faults):`);
  for (const p of plan) log(`  t=${(p.atMs / 1000).toFixed(1)}s  ${describeFault(p.fault)}`);
  log(`work dir (app logs) ${workDir}`);

  const stack = await ChaosStack.start({ label: o.label, workDir, log, tenants: TENANTS, subscriptions: SUBSCRIPTIONS, receiverSlowMs: 3_000, webhookReplicas: o.webhookReplicas });
  try {
    const hooks = new OktaEventHookGenerator(o.eventHookWeight ?? 8, stack.oktaHooks, (tenantId) => workload.people(tenantId));
    const workload: OktaWorkload = new OktaWorkload({
      tenants: stack.tenants,
      seed: o.seed,
      rate: o.rate,
      durationMs: o.durationMs,
      maxUsersPerTenant: o.maxUsersPerTenant ?? 400,
      generators: hooks.weight > 0 ? [hooks] : [],
    });
    const t0 = Date.now();
    let workloadDone = false;
    const progress = setInterval(() => {
      const t = workload.tally;
      log(`t=${((Date.now() - t0) / 1000).toFixed(0)}s requests ${t.requests}, accepted ${workload.accepted.length}, retried ${JSON.stringify(t.retried)}, gave up ${t.gaveUp}, unexpected ${t.unexpectedCount}`);
    }, 15_000);
    const [executed] = await Promise.all([
      runFaults(stack, plan, t0, log, () => workloadDone && Date.now() - t0 > o.durationMs),
      workload.run().finally(() => {
        workloadDone = true;
      }),
    ]);
    clearInterval(progress);
    log(`workload done in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${executed.length} faults executed; draining (at most ${o.drainTimeoutMs / 1000} s)…`);

    const kafka = stack.kafka('chaos-checks');
    const drain = await waitForDrain(stack, kafka, o.drainTimeoutMs, log);
    if (!drain.drained) log(`not drained: ${JSON.stringify(await drainState(stack, kafka).catch((e: Error) => e.message))}`);
    const checks = await runChecks(stack, workload, hooks, kafka, drain);
    const ok = checks.every((c) => c.ok);
    return {
      ok,
      seed: o.seed,
      startedAt: new Date(started).toISOString(),
      options: { durationMs: o.durationMs, rate: o.rate, drainTimeoutMs: o.drainTimeoutMs },
      plan: plan.map((p) => ({ atMs: p.atMs, fault: describeFault(p.fault) })),
      executed: executed.map((e: ExecutedFault) => ({ startedMs: e.startedMs, endedMs: e.endedMs, fault: describeFault(e.planned.fault), note: e.note })),
      workload: { ...workload.tally, accepted: workload.accepted.length, eventHooksAccepted: hooks.accepted.length, eventHookDeliveriesResent: hooks.resentDeliveries },
      checks,
      totalMs: Date.now() - started,
      workDir,
    };
  } finally {
    await stack.stop({ keepDatabase: o.keepDatabase });
  }
}

/** The printed result table (one row per check) plus the executed fault log. */
export function formatChaosResult(result: ChaosResult): string {
  const table = formatTable(result.checks.map((c) => ({ check: c.check, result: c.ok ? 'PASS' : 'FAIL', figures: c.figures, detail: c.detail })));
  const faults = formatTable(result.executed.map((e) => ({ at: `${(e.startedMs / 1000).toFixed(1)}s`, until: `${(e.endedMs / 1000).toFixed(1)}s`, fault: e.fault, note: e.note })));
  return [
    `chaos run: seed ${result.seed}, ${result.options.durationMs / 1000} s at ${result.options.rate} ops/s, total ${(result.totalMs / 1000).toFixed(0)} s`,
    '',
    faults,
    '',
    table,
    '',
    result.ok ? 'ALL CHECKS PASSED' : `FAILED: ${result.checks.filter((c) => !c.ok).map((c) => c.check).join(', ')}`,
  ].join('\n');
}
