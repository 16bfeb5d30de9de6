// Preloaded into a bench's child apps (`--profile DIR` → NODE_OPTIONS=--require …) to CPU-profile
// them. Node's own --cpu-prof writes its file only on a normal exit, but Nest re-raises SIGTERM
// after its shutdown hooks, so the process ends by the signal: this writes the profile on SIGTERM
// instead (inspector callbacks run synchronously in the same thread).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  const label = process.env.BENCH_PROFILE_LABEL || 'app';
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${label}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.once('SIGTERM', write);
  process.once('SIGINT', write);
  process.once('exit', write);
}
