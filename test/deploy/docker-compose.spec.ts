import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { BaseAppConfig, loadConfig } from '@idsync/platform';

// No Docker engine runs in CI: these checks keep docker-compose.yml, the Dockerfile, the apps'
// configuration classes and the README's configuration table consistent with each other.
const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

const APP_PORTS: Record<string, number> = { 'scim-gateway': 3000, 'sync-worker': 3001, 'webhook-delivery': 3002 };
const APPS = Object.keys(APP_PORTS);
/** The stack the README documents: infrastructure, the one-shot migration, the three apps. */
const REQUIRED_SERVICES = ['kafka', 'postgres', 'migrate', ...APPS];

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: string | { context?: string; target?: string; dockerfile?: string };
  ports?: (string | number | { target: number; published?: number | string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: Healthcheck;
  depends_on?: string[] | Record<string, { condition?: string }>;
}
interface Compose {
  services: Record<string, Service>;
}

/** Compose's `${VAR:-default}` / `${VAR}` interpolation, as with an empty .env file. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_, _name: string, fallback?: string) => fallback ?? '');
}

function env(service: Service): Record<string, string> {
  const raw = service.environment ?? {};
  const entries: Array<[string, string]> = Array.isArray(raw)
    ? raw.map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)])
    : Object.entries(raw).map(([k, v]) => [k, v == null ? '' : String(v)]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v)]));
}

function publishedPorts(service: Service): string[] {
  return (service.ports ?? []).map((p) =>
    typeof p === 'object' ? `${p.published ?? p.target}:${p.target}` : String(p).replace(/\/tcp$/, ''),
  );
}

function healthcheckCommand(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

function dependsOn(service: Service): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v?.condition]));
}

/** Dockerfile stages: name → base and instructions (continuation lines joined). */
interface Stage {
  name: string;
  from: string;
  instructions: { op: string; args: string }[];
}
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      assert.ok(m, `unparsable FROM: ${line}`);
      stages.push({ name: m[2] ?? `#${stages.length}`, from: m[1], instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** A target's instructions including those inherited from the stages it is built FROM, base first. */
function effectiveInstructions(stages: Stage[], target: string): { op: string; args: string }[] {
  const stage = stages.find((s) => s.name === target);
  assert.ok(stage, `Dockerfile has no stage named ${target}`);
  const parent = stages.find((s) => s.name === stage.from);
  return [...(parent ? effectiveInstructions(stages, parent.name) : []), ...stage.instructions];
}

async function configClasses(): Promise<(new () => BaseAppConfig)[]> {
  const classes: (new () => BaseAppConfig)[] = [BaseAppConfig];
  for (const app of fs.readdirSync(path.join(ROOT, 'apps')).sort()) {
    const dir = path.join(ROOT, 'apps', app, 'src', 'config');
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.config.ts')).sort()) {
      const mod = (await import(path.join(dir, file))) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        if (typeof value === 'function' && value.prototype instanceof BaseAppConfig) {
          classes.push(value as new () => BaseAppConfig);
        }
      }
    }
  }
  return classes;
}

/** Config class of each app (the one its config/*.config.ts exports), by app name. */
async function appConfigClass(app: string): Promise<new () => BaseAppConfig> {
  const dir = path.join(ROOT, 'apps', app, 'src', 'config');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.config.ts'))) {
    const mod = (await import(path.join(dir, file))) as Record<string, unknown>;
    const cls = Object.values(mod).find((v) => typeof v === 'function' && v.prototype instanceof BaseAppConfig);
    if (cls) return cls as new () => BaseAppConfig;
  }
  assert.fail(`no config class under apps/${app}/src/config`);
}

describe('docker-compose.yml', () => {
  let compose: Compose;
  let services: string[];

  before(() => {
    compose = parse(read('docker-compose.yml')) as Compose;
    services = [...REQUIRED_SERVICES];
    // Services named in the README's `docker compose …` commands must exist too.
    if (fs.existsSync(path.join(ROOT, 'README.md'))) {
      for (const m of read('README.md').matchAll(/docker[ -]compose\s+(?:-\S+\s+\S+\s+)*(?:up|run|logs|start|stop|restart|exec|build|ps)\b([^\n`|#]*)/g)) {
        for (const word of m[1].trim().split(/\s+/)) {
          if (/^[a-z][a-z0-9-]*$/.test(word) && !services.includes(word)) services.push(word);
        }
      }
    }
  });

  it('defines every service of the stack', () => {
    assert.ok(compose?.services, 'docker-compose.yml has no services');
    for (const name of services) assert.ok(compose.services[name], `service ${name} is missing`);
  });

  it('kafka: official apache/kafka image, single-node KRaft, with a listener for the other containers', () => {
    const kafka = compose.services.kafka;
    assert.equal(kafka.image, 'apache/kafka:3.9.1');
    const e = env(kafka);
    assert.deepEqual(e.KAFKA_PROCESS_ROLES.split(',').sort(), ['broker', 'controller']);
    assert.match(e.KAFKA_CONTROLLER_QUORUM_VOTERS, /^1@/);
    assert.equal(e.KAFKA_NODE_ID, '1');
    assert.match(e.CLUSTER_ID ?? '', /^[A-Za-z0-9_-]{22}$/, 'CLUSTER_ID must be a base64 UUID');
    const names = (list: string) => list.split(',').map((l) => l.split('://')[0]);
    for (const listener of names(e.KAFKA_ADVERTISED_LISTENERS)) {
      assert.ok(names(e.KAFKA_LISTENERS).includes(listener), `advertised listener ${listener} is not in KAFKA_LISTENERS`);
      assert.ok(e.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP.includes(`${listener}:`), `${listener} has no security protocol`);
    }
    assert.ok(e.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP.includes(`${e.KAFKA_CONTROLLER_LISTENER_NAMES}:`));
    // The address the apps use must be one the broker advertises (else clients get redirected away).
    for (const app of APPS) {
      const brokers = env(compose.services[app]).KAFKA_BROKERS;
      for (const broker of brokers.split(',')) {
        assert.ok(e.KAFKA_ADVERTISED_LISTENERS.includes(`://${broker}`), `${app}: ${broker} is not an advertised listener`);
      }
    }
    assert.equal(e.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '1');
    assert.ok(healthcheckCommand(kafka), 'kafka needs a healthcheck (the apps wait for it)');
  });

  it('postgres: postgres 16 with a pg_isready healthcheck', () => {
    const pg = compose.services.postgres;
    assert.match(pg.image ?? '', /^postgres:16/);
    assert.match(healthcheckCommand(pg), /pg_isready/);
  });

  it('migrate: one-shot job with DATABASE_URL, after postgres is healthy', () => {
    const migrate = compose.services.migrate;
    assert.match(env(migrate).DATABASE_URL ?? '', /^postgres(ql)?:\/\/[^@]+@postgres:5432\//);
    assert.equal(dependsOn(migrate).postgres, 'service_healthy');
    const build = migrate.build;
    assert.ok(build && typeof build === 'object' && build.target, 'migrate builds a Dockerfile target');
    assert.ok(!('restart' in migrate) || (migrate as { restart?: string }).restart === 'no', 'a one-shot job must not restart');
  });

  for (const app of APPS) {
    it(`${app}: port ${APP_PORTS[app]}, DATABASE_URL + KAFKA_BROKERS, readiness healthcheck, ordered start`, async () => {
      const svc = compose.services[app];
      assert.ok(svc, `service ${app} is missing`);
      const port = APP_PORTS[app];
      assert.ok(publishedPorts(svc).some((p) => p.endsWith(`:${port}`) && p.split(':').at(-2) === String(port)), `${app} publishes ${port}:${port}`);
      const e = env(svc);
      assert.match(e.DATABASE_URL ?? '', /^postgres(ql)?:\/\/[^@]+@postgres:5432\//, `${app} DATABASE_URL points at the postgres service`);
      assert.match(e.KAFKA_BROKERS ?? '', /^kafka:\d+$/, `${app} KAFKA_BROKERS points at the kafka service`);
      if (e.PORT !== undefined) assert.equal(e.PORT, String(port));
      // The environment passes the app's own configuration validation, and declares nothing unknown.
      const cls = await appConfigClass(app);
      const config = loadConfig(cls, e);
      assert.equal(config.PORT, port);
      const known = new Set(Object.keys(new cls()));
      for (const key of Object.keys(e)) assert.ok(known.has(key), `${app}: ${key} is not a setting of ${cls.name}`);
      const health = healthcheckCommand(svc);
      assert.match(health, /\/health\/ready/, `${app} healthcheck probes readiness`);
      assert.match(health, new RegExp(`:${port}\\b`), `${app} healthcheck probes its own port`);
      assert.deepEqual(dependsOn(svc), {
        kafka: 'service_healthy',
        postgres: 'service_healthy',
        migrate: 'service_completed_successfully',
      });
      assert.ok(svc.build && typeof svc.build === 'object', `${app} is built from the Dockerfile`);
      assert.equal(svc.build.target, app, `${app} builds its own Dockerfile target`);
    });
  }
});

describe('Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'));
  const compose = parse(read('docker-compose.yml')) as Compose;

  it('builds with npm ci and npm run build, and ships production dependencies only', () => {
    const all = stages.flatMap((s) => s.instructions.map((i) => `${i.op} ${i.args}`));
    assert.ok(all.some((i) => /^RUN .*npm ci\b(?!.*--omit=dev)/.test(i)), 'a build stage runs npm ci');
    assert.ok(all.some((i) => /^RUN .*npm run build\b/.test(i)), 'a build stage runs npm run build');
    assert.ok(all.some((i) => /^RUN .*npm ci\b.*--omit=dev/.test(i)), 'the runtime gets npm ci --omit=dev');
    assert.match(stages[0].from, /^(\$\{NODE_IMAGE\}|node:20)/);
    assert.match(read('Dockerfile'), /ARG NODE_IMAGE=node:20[\w.-]*/);
  });

  for (const app of APPS) {
    it(`target ${app}: runs dist/apps/${app}/main.js as a non-root user, with a healthcheck`, () => {
      const instructions = effectiveInstructions(stages, app);
      const users = instructions.filter((i) => i.op === 'USER').map((i) => i.args.split(':')[0]);
      assert.ok(users.length > 0, `${app} sets USER`);
      assert.ok(!['root', '0'].includes(users[users.length - 1]), `${app} runs as ${users[users.length - 1]}`);
      const cmd = instructions.filter((i) => i.op === 'CMD' || i.op === 'ENTRYPOINT').map((i) => i.args).join(' ');
      assert.ok(cmd.includes(`dist/apps/${app}/main.js`), `${app} starts dist/apps/${app}/main.js (got ${cmd})`);
      const health = instructions.filter((i) => i.op === 'HEALTHCHECK').at(-1);
      assert.ok(health && !/^NONE$/i.test(health.args), `${app} has a HEALTHCHECK`);
      assert.match(health.args, /\/health\/ready/);
      assert.ok(instructions.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes(String(APP_PORTS[app]))), `${app} exposes ${APP_PORTS[app]}`);
      assert.ok(fs.existsSync(path.join(ROOT, 'apps', app, 'src', 'main.ts')));
    });
  }

  it('has every target docker-compose.yml builds', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      const target = svc.build && typeof svc.build === 'object' ? svc.build.target : undefined;
      if (target) assert.ok(stages.some((s) => s.name === target), `${name}: the Dockerfile has no stage ${target}`);
    }
  });

  it('runs the migration bundle as non-root in the migrate target', () => {
    const instructions = effectiveInstructions(stages, 'migrate');
    const users = instructions.filter((i) => i.op === 'USER').map((i) => i.args);
    assert.ok(users.length > 0 && !['root', '0'].includes(users[users.length - 1]));
    assert.match(instructions.filter((i) => i.op === 'CMD').at(-1)?.args ?? '', /dist\/scripts\/migrate\.js/);
  });

  it('.dockerignore keeps node_modules, dist, .git and caches out of the build context', () => {
    const ignored = read('.dockerignore').split(/\r?\n/).map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.cache']) assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
  });
});

describe('README configuration table', () => {
  it('documents every environment variable the config classes declare', async () => {
    const keys = new Set<string>();
    for (const cls of await configClasses()) for (const key of Object.keys(new cls())) keys.add(key);
    assert.ok(keys.has('DATABASE_URL') && keys.has('KAFKA_BROKERS') && keys.has('WORKER_GROUP_ID'), [...keys].join(', '));

    const readme = path.join(ROOT, 'README.md');
    assert.ok(fs.existsSync(readme), `README.md is missing: its configuration table must list ${[...keys].join(', ')}`);
    // First cell of every Markdown table row, e.g. "| `DATABASE_URL` | … |" → DATABASE_URL.
    const documented = new Set<string>();
    for (const line of fs.readFileSync(readme, 'utf8').split(/\r?\n/)) {
      const m = /^\s*\|\s*([^|]+?)\s*\|/.exec(line);
      if (!m) continue;
      for (const name of m[1].matchAll(/[A-Z][A-Z0-9_]{2,}/g)) documented.add(name[0]);
    }
    const missing = [...keys].filter((k) => !documented.has(k));
    assert.deepEqual(missing, [], `README.md configuration table does not document: ${missing.join(', ')}`);
  });
});
