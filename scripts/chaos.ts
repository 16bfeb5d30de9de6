// `npm run chaos`: whole-system fault injection (issue #10). Starts its own Kafka broker, a fresh
// database, two replicas of each app and local webhook receivers; drives an Okta-like workload
// while a seeded schedule kills the broker, each replica, the apps' PostgreSQL connections and the
// receivers; then checks that nothing was lost or duplicated. Exit code 0 only if every check passes.
//
//   npm run chaos -- [--minutes 10] [--rate 12] [--seed N] [--json]
//   (--json also writes chaos/results/<date>.json)
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { formatChaosResult, runChaos } from '../test/chaos/chaos-run';

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

async function main(): Promise<void> {
  const program = new Command('chaos')
    .option('--minutes <n>', 'workload duration in minutes', positive('--minutes'), 10)
    .option('--rate <r>', 'SCIM operations started per second', positive('--rate'), 12)
    .option('--seed <s>', 'seed of the workload and the fault schedule (printed; reuse it to replay)', positive('--seed'))
    .option('--drain-seconds <n>', 'bounded wait for the system to drain after the workload', positive('--drain-seconds'), 240)
    .option('--json', 'also write the results to chaos/results/<date>.json')
    .parse();
  const opts = program.opts<{ minutes: number; rate: number; seed?: number; drainSeconds: number; json?: boolean }>();
  const seed = Math.floor(opts.seed ?? Math.random() * 2 ** 31);
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  // Ctrl-C: exit through process 'exit' hooks, which SIGKILL the apps and the broker this run started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const result = await runChaos({
    label: 'chaos',
    seed,
    durationMs: Math.round(opts.minutes * 60_000),
    rate: opts.rate,
    drainTimeoutMs: opts.drainSeconds * 1000,
  });
  process.stdout.write(`${formatChaosResult(result)}\n`);
  if (opts.json) {
    const dir = path.resolve(__dirname, '..', 'chaos', 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${result.startedAt.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`results written to ${path.relative(process.cwd(), file)}\n`);
  }
  process.exit(result.ok ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`[chaos] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
