// `node tools/bench/profile-summary.cjs <file.cpuprofile> [top]`: self time by function and by package
// (node_modules/<pkg>, node: internals, our own code, GC, idle), the view the perf notes quote.
'use strict';
const fs = require('node:fs');

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg || 30);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) || 0) + (deltas[i] || 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function groupOf(frame) {
  const url = frame.url || '';
  if (!url) return frame.functionName ? `(${frame.functionName})` : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node:internals';
  const own = /(apps|libs)\/([^/]+)/.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

const byFunction = new Map();
const byGroup = new Map();
for (const [id, time] of self) {
  const frame = nodes.get(id).callFrame;
  const fn = `${frame.functionName || '(anonymous)'} ${(frame.url || '').replace(/^.*node_modules\//, '').replace(/^.*wt-perf\//, '')}:${frame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) || 0) + time);
  const group = groupOf(frame);
  byGroup.set(group, (byGroup.get(group) || 0) + time);
}
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
process.stdout.write(`total ${(total / 1e6).toFixed(1)} s sampled\n\nby package:\n`);
for (const [group, time] of [...byGroup].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(time)}  ${group}\n`);
process.stdout.write('\nby function (self):\n');
for (const [fn, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(time)}  ${fn}\n`);
