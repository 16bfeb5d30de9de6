import { randomBytes } from 'node:crypto';

/** Bootstrap servers of the broker `npm test` started (or KAFKA_BROKERS given to it). */
export function testKafkaBrokers(): string {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run integration tests through `npm test`');
  return brokers;
}

/** A topic prefix of its own per test file, so tests sharing one broker never see each other's records. */
export function uniqueTopicPrefix(label = 't'): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/**
 * Sets the environment an app reads at import time (its config class, topic names in
 * @EventPattern). Call before importing app modules with `await import(...)`.
 */
export function setAppEnv(env: Record<string, string>): void {
  Object.assign(process.env, env);
}
