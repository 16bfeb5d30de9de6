// Types for scripts/kafka.mjs (used by tests and benches written in TypeScript).
export declare const KAFKA_VERSION: string;
export interface StartedKafka {
  brokers: string;
  pid: number;
  dir: string;
  port: number;
  controllerPort?: number;
  alreadyRunning?: boolean;
}
export declare function ensureKafkaLibs(): string;
export declare function freePort(): Promise<number>;
export declare function startKafka(opts?: { dir?: string; port?: number; controllerPort?: number; detached?: boolean; timeoutMs?: number }): Promise<StartedKafka>;
export declare function stopKafka(opts?: { dir?: string; graceMs?: number }): Promise<boolean>;
