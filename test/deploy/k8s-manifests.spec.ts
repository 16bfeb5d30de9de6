import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BaseAppConfig, loadConfig } from '@idsync/platform';

// No cluster in CI: these checks keep deploy/k8s/ consistent with the apps — probe paths and ports,
// every environment variable a real setting of the app it is given to (and the set passing the
// app's own validation), hardening, PodDisruptionBudgets and Services selecting the right pods.
const ROOT = path.resolve(__dirname, '..', '..');
const K8S = path.join(ROOT, 'deploy', 'k8s');

type Obj = Record<string, unknown>;
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Obj;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  file: string;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean; capabilities?: { drop?: string[] } };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  restartPolicy?: string;
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

function loadManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of fs.readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(K8S, file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
      const value = doc.toJS() as Omit<Manifest, 'file'> | null;
      if (value) out.push({ ...value, file });
    }
  }
  return out;
}

const manifests = loadManifests();
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const named = (kind: string, name: string) => ofKind(kind).find((m) => m.metadata.name === name);

/** Config class of each app (the one its config/*.config.ts exports). */
async function appConfigClass(app: string): Promise<new () => BaseAppConfig> {
  const dir = path.join(ROOT, 'apps', app, 'src', 'config');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.config.ts'))) {
    const mod = (await import(path.join(dir, file))) as Record<string, unknown>;
    const cls = Object.values(mod).find((v) => typeof v === 'function' && v.prototype instanceof BaseAppConfig);
    if (cls) return cls as new () => BaseAppConfig;
  }
  assert.fail(`no config class under apps/${app}/src/config`);
}

/** The environment a container gets: literal env, ConfigMap/Secret keys (env refs and envFrom), with the example values. */
function containerEnv(c: Container, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  const source = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> => {
    const m = named(kind, name);
    assert.ok(m, `${where} refers to ${kind} ${name}, which deploy/k8s/ does not define`);
    return { ...m.data, ...m.stringData };
  };
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, source('ConfigMap', from.configMapRef.name));
    if (from.secretRef) Object.assign(env, source('Secret', from.secretRef.name));
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    if (ref) {
      const values = source(e.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name);
      assert.ok(ref.key in values, `${where}: ${e.name} refers to missing key ${ref.key} of ${ref.name}`);
      env[e.name] = values[ref.key];
    } else {
      env[e.name] = String(e.value ?? '');
    }
  }
  return env;
}

function hardened(pod: PodSpec, c: Container, where: string): void {
  assert.equal(pod.securityContext?.runAsNonRoot, true, `${where}: pod runAsNonRoot`);
  assert.ok((pod.securityContext?.runAsUser ?? 0) > 0, `${where}: pod runAsUser is not root`);
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${where}: read-only root filesystem`);
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${where}: no privilege escalation`);
  assert.ok(c.securityContext?.capabilities?.drop?.includes('ALL'), `${where}: drops all capabilities`);
  for (const kind of ['requests', 'limits'] as const) {
    assert.ok(c.resources?.[kind]?.cpu && c.resources[kind].memory, `${where}: resources.${kind} cpu and memory`);
  }
}

const APPS = ['scim-gateway', 'sync-worker', 'webhook-delivery'];

describe('deploy/k8s manifests', () => {
  it('every object is in the idsync namespace and the kustomization lists every file but the secret example', () => {
    for (const m of manifests) if (m.kind !== 'Namespace') assert.equal(m.metadata.namespace, 'idsync', `${m.file}: ${m.kind} ${m.metadata.name}`);
    const kustomization = parseAllDocuments(fs.readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8'))[0].toJS() as { resources: string[] };
    const files = [...new Set(manifests.map((m) => m.file))].filter((f) => f !== 'secret.example.yaml').sort();
    assert.deepEqual([...kustomization.resources].sort(), files);
  });

  for (const app of APPS) {
    describe(app, () => {
      const deployment = named('Deployment', app);
      const template = deployment?.spec?.template as PodTemplate | undefined;
      const container = template?.spec.containers.find((c) => c.name === app);

      it('Deployment: probes on /health/live and /health/ready at the port the app listens on', async () => {
        assert.ok(deployment && template && container, `Deployment ${app} with a container named ${app}`);
        const env = containerEnv(container, app);
        const cls = await appConfigClass(app);
        const port = loadConfig(cls, env).PORT;
        const http = container.ports?.find((p) => p.containerPort === port);
        assert.ok(http, `${app} listens on ${port} (PORT), which no containerPort declares`);
        const probePort = (p: Probe | undefined) => (typeof p?.httpGet?.port === 'string' ? container.ports?.find((x) => x.name === p.httpGet?.port)?.containerPort : p?.httpGet?.port);
        assert.equal(container.livenessProbe?.httpGet?.path, '/health/live');
        assert.equal(container.readinessProbe?.httpGet?.path, '/health/ready');
        for (const [kind, probe] of Object.entries({ liveness: container.livenessProbe, readiness: container.readinessProbe, startup: container.startupProbe })) {
          if (probe) assert.equal(probePort(probe), port, `${app} ${kind} probe port`);
        }
        const annotations = template.metadata.annotations ?? {};
        assert.equal(annotations['prometheus.io/port'], String(port), 'Prometheus scrapes the app port');
        assert.equal(annotations['prometheus.io/path'], '/metrics');
        assert.match(container.image, new RegExp(`^idsync/${app}:`), 'image built from the Dockerfile target of the same name');
      });

      it('Deployment: every environment variable is a setting of the app, and the set passes its validation', async () => {
        assert.ok(container);
        const env = containerEnv(container, app);
        const cls = await appConfigClass(app);
        const known = new Set(Object.keys(new cls()));
        for (const key of Object.keys(env)) assert.ok(known.has(key), `${app}: ${key} is not a setting of ${cls.name}`);
        assert.doesNotThrow(() => loadConfig(cls, env));
        for (const required of ['DATABASE_URL', 'KAFKA_BROKERS']) assert.ok(env[required], `${app} sets ${required}`);
        for (const secret of ['DATABASE_URL', 'ADMIN_API_TOKEN', 'ENCRYPTION_KEYS']) {
          const literal = container.env?.find((e) => e.name === secret && e.value !== undefined);
          assert.ok(!literal, `${app}: ${secret} must come from a Secret, not a literal`);
        }
      });

      it('Deployment: non-root, read-only root filesystem, no privilege escalation, resource requests and limits', () => {
        assert.ok(template && container);
        hardened(template.spec, container, app);
        assert.equal((template.spec as { automountServiceAccountToken?: boolean }).automountServiceAccountToken, false);
      });

      it('PodDisruptionBudget and Service select the Deployment’s pods', () => {
        assert.ok(deployment && template && container);
        const labels = template.metadata.labels;
        const selects = (selector: Record<string, string> | undefined) => !!selector && Object.entries(selector).every(([k, v]) => labels[k] === v);
        assert.ok(selects((deployment.spec?.selector as { matchLabels?: Record<string, string> }).matchLabels), 'Deployment selector matches its template');
        const pdb = ofKind('PodDisruptionBudget').find((p) => selects((p.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels));
        assert.ok(pdb, `a PodDisruptionBudget selects ${app}`);
        assert.ok('minAvailable' in (pdb.spec ?? {}) || 'maxUnavailable' in (pdb.spec ?? {}), 'the PDB bounds disruptions');
        assert.ok(Number(deployment.spec?.replicas) >= 2, 'at least two replicas, or the PDB blocks every drain');
        const service = ofKind('Service').find((s) => selects(s.spec?.selector as Record<string, string> | undefined));
        assert.ok(service, `a Service selects ${app} (API and/or /metrics)`);
        const ports = service.spec?.ports as { targetPort: number | string }[];
        assert.ok(ports.some((p) => p.targetPort === 'http' || p.targetPort === container.ports?.[0]?.containerPort), 'the Service targets the app port');
      });
    });
  }

  it('migrate Job: runs the migration bundle with DATABASE_URL from the Secret, hardened, never restarting forever', () => {
    const job = ofKind('Job').find((j) => j.metadata.name.includes('migrate'));
    assert.ok(job, 'a migrate Job');
    const pod = (job.spec?.template as PodTemplate).spec;
    const c = pod.containers[0];
    assert.match([...(c.command ?? [])].join(' '), /dist\/scripts\/migrate\.js/);
    assert.ok(['Never', 'OnFailure'].includes(pod.restartPolicy ?? ''), 'restartPolicy Never or OnFailure');
    assert.ok(Number(job.spec?.backoffLimit) >= 0);
    const env = containerEnv(c, 'migrate');
    assert.match(env.DATABASE_URL ?? '', /^postgres(ql)?:\/\//);
    assert.equal(c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name, 'idsync-secrets');
    hardened(pod, c, 'migrate');
  });

  it('the gateway Service exposes the SCIM API; deploy/README.md documents the manifests', () => {
    const svc = named('Service', 'scim-gateway');
    assert.ok(svc);
    const readme = fs.readFileSync(path.join(ROOT, 'deploy', 'README.md'), 'utf8');
    for (const file of new Set(manifests.map((m) => m.file))) assert.ok(readme.includes(file), `deploy/README.md mentions ${file}`);
  });
});
