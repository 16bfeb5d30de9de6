import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatChaosResult, runChaos } from './chaos-run';
import type { Fault } from './fault-schedule';

// The short variant of `npm run chaos` inside npm test: the same stack (its own broker, two
// gateways and two workers, one webhook-delivery, four receivers), workload and checks, on a
// ~60-second schedule that
// SIGKILLs a worker and a gateway, SIGKILLs and restarts the broker, terminates the apps'
// PostgreSQL connections and takes a receiver down. It starts its own broker (the schedule kills
// it), so KAFKA_BROKERS is not used.
const SEED = Number(process.env.CHAOS_SEED ?? 20261124);
const REQUIRED: Fault[] = [
  { kind: 'app-kill', target: 'worker-b', signal: 'SIGKILL', downMs: 1_000 },
  { kind: 'broker-kill', downMs: 3_000 },
  { kind: 'app-kill', target: 'gateway-a', signal: 'SIGKILL', downMs: 1_000 },
  { kind: 'db-terminate' },
];
const REQUIRED_RECEIVER: Fault[] = [
  { kind: 'receiver', receiver: 0, mode: 'down', forMs: 10_000 },
  { kind: 'receiver', receiver: 2, mode: 'failing', forMs: 8_000 },
];

describe('chaos, short schedule', () => {
  it('nothing lost, nothing duplicated through a worker SIGKILL, a broker restart, a gateway SIGKILL and a receiver outage', { timeout: 480_000 }, async (t) => {
    const result = await runChaos({
      label: 'chaosshort',
      seed: SEED,
      durationMs: 60_000,
      rate: 8,
      drainTimeoutMs: 60_000,
      required: { required: REQUIRED, requiredReceiver: REQUIRED_RECEIVER },
      gapMs: [1_000, 2_000],
      maxUsersPerTenant: 120,
      // No webhook-delivery replica is killed here, so one runs (the full run has two): one
      // process fewer to start on two shared cores.
      webhookReplicas: 1,
      log: (line) => t.diagnostic(line),
    });
    for (const line of formatChaosResult(result).split('\n')) t.diagnostic(line);
    const executed = result.executed.map((e) => e.fault);
    for (const f of [...REQUIRED, ...REQUIRED_RECEIVER]) {
      const what = f.kind === 'app-kill' ? `${f.target} SIGKILL` : f.kind === 'broker-kill' ? 'broker SIGKILL' : f.kind === 'receiver' ? `receiver r${f.receiver} ${f.mode}` : 'pg_terminate_backend';
      assert.ok(
        executed.some((e) => e.startsWith(what)),
        `the schedule ran "${what}" (executed: ${executed.join('; ')})`,
      );
    }
    assert.deepEqual(
      result.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.figures} ${c.detail}`),
      [],
      'every chaos check passes',
    );
    assert.ok(result.workload.accepted > 20, `the workload got writes accepted (${result.workload.accepted})`);
  });
});
