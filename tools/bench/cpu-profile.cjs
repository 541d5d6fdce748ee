// Preload for profiling a service under the bench: `NODE_OPTIONS="--require <repo>/tools/bench/cpu-profile.cjs"`.
// Node's own --cpu-prof writes its profile only on a normal exit, but NestJS re-raises SIGTERM after
// its shutdown hooks, so the process dies by the signal and the profile is lost. This starts the
// V8 profiler at load and writes the profile (CPU_PROFILE_DIR, default tmp/profiles) when SIGTERM
// arrives, before any other handler runs.
'use strict';
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.CPU_PROFILE_DIR || path.join(process.cwd(), 'tmp', 'profiles');
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
process.prependListener('SIGTERM', () => {
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${path.basename(process.argv[1] || 'node')}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
