// The apps of a chaos run compiled once to plain JavaScript. Every app process — six at start-up
// and one per restart the fault schedule makes — would otherwise load TypeScript and SWC and
// transform ~400 files through scripts/register.cjs; on two busy cores that was most of a start.
// The transform is the very one register.cjs applies (@swc-node/register's compile with the root
// tsconfig: decorator metadata, @idsync/* aliases rewritten to relative paths), so the processes
// run the same code. The output lives under node_modules/.cache (node_modules resolves from
// there), in a folder named by a hash of the sources: an unchanged tree reuses the last build.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IdsyncAppName } from '../support/app-process';

const ROOT = path.resolve(__dirname, '..', '..');
const APPS: IdsyncAppName[] = ['scim-gateway', 'sync-worker', 'webhook-delivery'];
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'idsync-chaos-apps');

interface SwcNodeRegister {
  compile(source: string, filename: string, options: unknown): string;
}

function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
    }
  };
  for (const app of APPS) walk(path.join(ROOT, 'apps', app, 'src'));
  for (const lib of fs.readdirSync(path.join(ROOT, 'libs'))) {
    const src = path.join(ROOT, 'libs', lib, 'src');
    if (fs.existsSync(src)) walk(src);
  }
  return out.sort();
}

export interface PrebuiltApps {
  /** The compiled main.js of an app. */
  main(app: IdsyncAppName): string;
  dir: string;
  /** Files compiled (0 when the build was reused). */
  compiled: number;
  ms: number;
}

/** Compiles (or reuses) the three apps and the libs they import. */
export function prebuildApps(): PrebuiltApps {
  const started = Date.now();
  const files = sources();
  const hash = createHash('sha256');
  for (const f of [path.join(ROOT, 'tsconfig.json'), path.join(ROOT, 'node_modules', '@swc-node', 'register', 'package.json'), ...files]) {
    hash.update(path.relative(ROOT, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  const dir = path.join(CACHE, hash.digest('hex').slice(0, 16));
  const result = (compiled: number): PrebuiltApps => ({ main: (app) => path.join(dir, 'apps', app, 'src', 'main.js'), dir, compiled, ms: Date.now() - started });
  if (fs.existsSync(path.join(dir, '.complete'))) return result(0);

  process.env.SWC_NODE_PROJECT ||= path.join(ROOT, 'tsconfig.json');
  /* eslint-disable @typescript-eslint/no-require-imports -- the compiler register.cjs uses, loaded only when a build is needed */
  const { compile } = require('@swc-node/register/register') as SwcNodeRegister;
  const { readDefaultTsConfig } = require('@swc-node/register/read-default-tsconfig') as { readDefaultTsConfig(p: string): unknown };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const options = readDefaultTsConfig(process.env.SWC_NODE_PROJECT);
  // Built beside the final folder and renamed into place, so a concurrent or interrupted build
  // never leaves a half-written tree that looks complete.
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const file of files) {
    const out = path.join(tmp, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, compile(fs.readFileSync(file, 'utf8'), file, options));
  }
  fs.writeFileSync(path.join(tmp, '.complete'), new Date().toISOString());
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    // Another run finished the same build first: use it.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, '.complete'))) throw err;
  }
  // Older builds are of no use once the sources changed (an hour's grace for a run still using one).
  for (const old of fs.readdirSync(CACHE)) {
    const full = path.join(CACHE, old);
    if (old !== path.basename(dir) && Date.now() - fs.statSync(full).mtimeMs > 3_600_000) fs.rmSync(full, { recursive: true, force: true });
  }
  return result(files.length);
}
