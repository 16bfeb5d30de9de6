// The chaos run's fault schedule: seeded (the same seed gives the same schedule, printed at the
// start), in two tracks that run side by side — processes (the broker SIGKILLed and restarted,
// each app replica SIGKILLed/SIGTERMed and restarted, the apps' PostgreSQL connections
// terminated) and webhook receivers (down, slow, answering 500s for a while). Within a track
// faults never overlap: each one ends (the process is back and healthy) before the next starts.
import type { ChaosStack } from './chaos-stack';
import type { ReceiverMode } from './chaos-receiver';
import { SeededRandom } from './okta-workload';

export type AppTarget = 'gateway-a' | 'gateway-b' | 'worker-a' | 'worker-b' | 'webhooks-a' | 'webhooks-b';
export const APP_TARGETS: AppTarget[] = ['gateway-a', 'gateway-b', 'worker-a', 'worker-b', 'webhooks-a', 'webhooks-b'];

export type Fault =
  | { kind: 'broker-kill'; downMs: number }
  | { kind: 'app-kill'; target: AppTarget; signal: 'SIGKILL' | 'SIGTERM'; downMs: number }
  | { kind: 'db-terminate' }
  | { kind: 'receiver'; receiver: number; mode: Exclude<ReceiverMode, 'ok'>; forMs: number };

export interface PlannedFault {
  /** Planned start, ms after the workload starts (a fault waits for the previous one of its track). */
  atMs: number;
  fault: Fault;
  /** Required faults run even when the workload is over by the time their turn comes. */
  required: boolean;
}

export interface ExecutedFault {
  planned: PlannedFault;
  startedMs: number;
  endedMs: number;
  note: string;
}

export interface ScheduleOptions {
  seed: number;
  /** Faults are planned within [startMs, endMs) of the workload. */
  startMs: number;
  endMs: number;
  receivers: number;
  /** Process faults that must happen first (in seeded order), before random ones fill the time. */
  required: Fault[];
  /** Receiver faults that must happen first. */
  requiredReceiver: Fault[];
  /** Pause between two faults of a track. */
  gapMs: [number, number];
  /** Replicas random app faults may pick (default: all six). */
  appTargets?: AppTarget[];
}

const between = (r: SeededRandom, [lo, hi]: [number, number]) => lo + r.int(hi - lo + 1);

export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'broker-kill':
      return `broker SIGKILL, restart after ${f.downMs} ms`;
    case 'app-kill':
      return `${f.target} ${f.signal}, restart after ${f.downMs} ms`;
    case 'db-terminate':
      return `pg_terminate_backend on every app connection`;
    case 'receiver':
      return `receiver r${f.receiver} ${f.mode} for ${f.forMs} ms`;
  }
}

function randomProcessFault(r: SeededRandom, targets: AppTarget[]): Fault {
  const roll = r.int(10);
  if (roll < 2) return { kind: 'broker-kill', downMs: between(r, [2_000, 8_000]) };
  if (roll < 4) return { kind: 'db-terminate' };
  return { kind: 'app-kill', target: r.pick(targets), signal: r.chance(0.8) ? 'SIGKILL' : 'SIGTERM', downMs: between(r, [1_000, 6_000]) };
}

function randomReceiverFault(r: SeededRandom, receivers: number): Fault {
  const mode = r.pick(['down', 'slow', 'failing'] as const);
  return { kind: 'receiver', receiver: r.int(receivers), mode, forMs: between(r, [4_000, 20_000]) };
}

/** Rough time a fault occupies its track (for planning; execution waits for real recovery). */
function plannedCost(f: Fault): number {
  switch (f.kind) {
    case 'broker-kill':
      return f.downMs + 15_000;
    case 'app-kill':
      return f.downMs + 10_000;
    case 'db-terminate':
      return 1_000;
    case 'receiver':
      return f.forMs;
  }
}

function shuffle<T>(r: SeededRandom, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Plans both tracks: the required faults first, in seeded order, then seeded random ones until endMs. */
export function planFaults(o: ScheduleOptions): PlannedFault[] {
  const r = new SeededRandom(o.seed);
  const plan: PlannedFault[] = [];
  const track = (required: Fault[], random: () => Fault) => {
    let t = o.startMs;
    for (const fault of [...shuffle(r, required), ...Array.from({ length: 200 }, random)]) {
      if (t + plannedCost(fault) > o.endMs) {
        if (required.includes(fault)) t = Math.max(o.startMs, o.endMs - plannedCost(fault)); // required ones always happen
        else break;
      }
      plan.push({ atMs: t, fault, required: required.includes(fault) });
      t += plannedCost(fault) + between(r, o.gapMs);
    }
  };
  track(o.required, () => randomProcessFault(r, o.appTargets ?? APP_TARGETS));
  track(o.requiredReceiver, () => randomReceiverFault(r, o.receivers));
  return plan.sort((a, b) => a.atMs - b.atMs);
}

/** The full run: every kind of fault at least once (each replica SIGKILLed), then random ones. */
export function fullRunRequiredFaults(r: SeededRandom, receivers: number): { required: Fault[]; requiredReceiver: Fault[] } {
  return {
    required: [
      { kind: 'broker-kill', downMs: between(r, [3_000, 8_000]) },
      { kind: 'db-terminate' },
      ...APP_TARGETS.map((target): Fault => ({ kind: 'app-kill', target, signal: 'SIGKILL', downMs: between(r, [1_000, 5_000]) })),
    ],
    requiredReceiver: (['down', 'slow', 'failing'] as const).map((mode, i): Fault => ({ kind: 'receiver', receiver: i % receivers, mode, forMs: between(r, [8_000, 15_000]) })),
  };
}

/**
 * Runs the plan against the stack: each track in its own loop, each fault at its planned time or
 * when the previous one of its track has recovered, whichever is later. Once `shouldStop()` says
 * so, only required faults still start; a fault already started always recovers.
 */
export async function runFaults(stack: ChaosStack, plan: PlannedFault[], t0: number, log: (line: string) => void, shouldStop: () => boolean): Promise<ExecutedFault[]> {
  const executed: ExecutedFault[] = [];
  const isReceiver = (p: PlannedFault) => p.fault.kind === 'receiver';
  const track = async (items: PlannedFault[]) => {
    for (const planned of items) {
      while (Date.now() - t0 < planned.atMs && !shouldStop()) await new Promise((r) => setTimeout(r, 100));
      if (shouldStop() && !planned.required) continue;
      const startedMs = Date.now() - t0;
      log(`t=${(startedMs / 1000).toFixed(1)}s fault: ${describeFault(planned.fault)}`);
      const note = await applyFault(stack, planned.fault);
      const endedMs = Date.now() - t0;
      log(`t=${(endedMs / 1000).toFixed(1)}s recovered: ${describeFault(planned.fault)}${note ? ` (${note})` : ''}`);
      executed.push({ planned, startedMs, endedMs, note });
    }
  };
  await Promise.all([track(plan.filter((p) => !isReceiver(p))), track(plan.filter(isReceiver))]);
  return executed.sort((a, b) => a.startedMs - b.startedMs);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function applyFault(stack: ChaosStack, fault: Fault): Promise<string> {
  switch (fault.kind) {
    case 'broker-kill': {
      await stack.killBroker();
      await sleep(fault.downMs);
      const t = Date.now();
      await stack.startBroker();
      return `broker back in ${Date.now() - t} ms`;
    }
    case 'app-kill': {
      const app = stack.apps.find((a) => a.name === fault.target);
      if (!app) throw new Error(`no app ${fault.target}`);
      await app.kill(fault.signal, 10_000);
      await sleep(fault.downMs);
      const t = Date.now();
      await stack.restartApp(app);
      return `pid ${app.pid}, healthy in ${Date.now() - t} ms`;
    }
    case 'db-terminate':
      return `${await stack.terminateDatabaseConnections()} backends terminated`;
    case 'receiver': {
      const receiver = stack.receivers[fault.receiver % stack.receivers.length];
      await receiver.setMode(fault.mode);
      await sleep(fault.forMs);
      await receiver.setMode('ok');
      return '';
    }
  }
}
