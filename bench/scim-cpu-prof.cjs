// Preloaded into the gateway by the SCIM benches' --cpu-prof (NODE_OPTIONS="--require …"; node
// refuses --cpu-prof itself in NODE_OPTIONS). The V8 sampling profiler starts on SIGWINCH — the bench
// sends it once set-up is done, so start-up and data loading stay out of the profile; not SIGUSR2,
// on which Nest's enableShutdownHooks() shuts the app down, and SIGWINCH is ignored without us — and
// <IDSYNC_CPU_PROF_DIR>/<pid>.cpuprofile is written on SIGTERM or exit. A same-thread inspector
// session answers synchronously, so stopping the profiler inside an 'exit' handler works.
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.IDSYNC_CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  let state = 'idle';
  process.on('SIGWINCH', () => {
    if (state !== 'idle') return;
    state = 'profiling';
    session.post('Profiler.start');
  });
  const write = () => {
    if (state !== 'profiling') return;
    state = 'written';
    session.post('Profiler.stop', (err, result) => {
      if (!err) fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  // Nest's shutdown hook re-raises SIGTERM after closing the app, so 'exit' never fires then: the
  // profile is written when the signal arrives (a once-listener, so the re-raised signal still kills).
  process.once('SIGTERM', write);
  process.once('exit', write);
}
