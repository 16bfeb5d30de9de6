// Preloaded into the gateway by bench:scim (always; NODE_OPTIONS="--require …"): what its event loop
// and garbage collector did, so a latency stall can be told apart from a busy machine. Every 250 ms
// it appends one JSON line to IDSYNC_LOOP_STATS_FILE:
//   t        wall clock (ms since the epoch) at the end of the interval
//   cpuMs    CPU time (user + system, all threads) the process used in the interval
//   loopMaxMs / loopP99Ms  event-loop delay: how late a 5 ms timer ran (monitorEventLoopDelay, less its resolution)
//   gc       pauses that ended in the interval, by kind: count, total and longest ms
//   heapMB   V8 heap in use
// A stall with cpuMs close to the interval is the gateway's own work (or its GC); a stall with little
// CPU is the process waiting for a core (other processes) — the bench prints both per run.
const file = process.env.IDSYNC_LOOP_STATS_FILE;
if (file) {
  const fs = require('node:fs');
  const { PerformanceObserver, monitorEventLoopDelay, constants } = require('node:perf_hooks');
  const KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  let gc = {};
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = KINDS[entry.detail?.kind] ?? 'other';
      const g = (gc[kind] ??= { n: 0, ms: 0, maxMs: 0 });
      g.n++;
      g.ms += entry.duration;
      g.maxMs = Math.max(g.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let cpu = process.cpuUsage();
  const round = (n) => Math.round(n * 10) / 10;
  setInterval(() => {
    const now = process.cpuUsage();
    const line = {
      t: Date.now(),
      cpuMs: round((now.user - cpu.user + now.system - cpu.system) / 1000),
      loopMaxMs: round(Math.max(0, delay.max / 1e6 - 5)),
      loopP99Ms: round(Math.max(0, delay.percentile(99) / 1e6 - 5)),
      gc,
      heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    };
    cpu = now;
    gc = {};
    delay.reset();
    fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 250).unref();
}
