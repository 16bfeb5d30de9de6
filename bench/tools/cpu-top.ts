// `node -r ./scripts/register.cjs bench/tools/cpu-top.ts FILE.cpuprofile [N]`: the N (default 25)
// frames with the most self time in a V8 CPU profile, and the share of idle/GC/program time.
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface TopFrame {
  frame: string;
  selfPct: number;
}

/** Self time per function (name + file:line), largest first, as a share of all samples. */
export function topFrames(file: string, n = 25): { totalMs: number; idlePct: number; gcPct: number; frames: TopFrame[] } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    total += dt;
    const cf = node.callFrame;
    const where = cf.url ? `${cf.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/').replace(/^.*\/work\/main\//, '')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const pct = (v: number) => Math.round((v / Math.max(1, total)) * 1000) / 10;
  const frames = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([frame, t]) => ({ frame, selfPct: pct(t) }));
  return { totalMs: Math.round(total / 1000), idlePct: pct(self.get('(idle)') ?? 0), gcPct: pct(self.get('(garbage collector)') ?? 0), frames };
}

if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-top.ts FILE.cpuprofile [N]');
  const top = topFrames(file, n ? Number(n) : 25);
  process.stdout.write(`${file}: ${top.totalMs} ms sampled, idle ${top.idlePct}%, GC ${top.gcPct}%\n`);
  for (const f of top.frames) process.stdout.write(`${String(f.selfPct).padStart(6)}%  ${f.frame}\n`);
}
