#!/usr/bin/env node
// The entry every npm script goes through:
//   node tools/node.cjs <script.ts> [args...]   run a TypeScript script (with @swc-node/register) on Node >= 22
//   node tools/node.cjs --print-node            print the path of a Node >= 22 binary (used by .ci/run)
// On an older Node it fetches Node 24 from the npm registry (package node-<platform>-<arch>, the only source of Node
// binaries reachable here) into <repo>/.cache/node/<version>/ and re-executes itself with it. Only Node built-ins are
// used until the TypeScript hook is registered, so --print-node works before `npm ci`.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const MIN_MAJOR = 22;
const FETCH_MAJOR = 24;
const repoRoot = path.resolve(__dirname, '..');
const nodeCacheDir = path.join(repoRoot, '.cache', 'node');

function fail(message) {
  process.stderr.write(`tools/node.cjs: ${message}\n`);
  process.exit(1);
}

function majorOf(version) {
  return Number.parseInt(String(version).replace(/^v/, '').split('.')[0], 10);
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) - (pb[i] || 0);
  return 0;
}

function works(nodeBin) {
  const r = spawnSync(nodeBin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return r.status === 0 && majorOf(r.stdout.trim()) >= MIN_MAJOR;
}

/** The newest complete cached Node FETCH_MAJOR.x, if any. */
function cachedNode() {
  let versions = [];
  try {
    versions = fs.readdirSync(nodeCacheDir).filter((v) => /^\d+\.\d+\.\d+$/.test(v) && majorOf(v) === FETCH_MAJOR);
  } catch {
    return undefined;
  }
  versions.sort(compareVersions).reverse();
  for (const v of versions) {
    const bin = path.join(nodeCacheDir, v, 'bin', 'node');
    if (fs.existsSync(bin) && works(bin)) return bin;
  }
  return undefined;
}

/** `npm pack node-<platform>-<arch>@24`, extracted to .cache/node/<version>. */
function installNode() {
  const pkg = `node-${process.platform}-${process.arch}@${FETCH_MAJOR}`;
  process.stderr.write(`tools/node.cjs: Node ${process.versions.node} is older than ${MIN_MAJOR}; fetching ${pkg} from the npm registry\n`);
  fs.mkdirSync(nodeCacheDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wabridge-node-'));
  try {
    const packed = spawnSync('npm', ['pack', pkg, '--pack-destination', tmp, '--json', '--silent'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (packed.error) fail(`cannot run npm: ${packed.error.message}`);
    if (packed.status !== 0) fail(`npm pack ${pkg} failed (exit ${packed.status})`);
    let info;
    try {
      info = JSON.parse(packed.stdout)[0];
    } catch {
      fail(`unexpected output from npm pack ${pkg}: ${packed.stdout.slice(0, 500)}`);
    }
    const version = info.version;
    const tarball = path.join(tmp, info.filename);
    const staging = fs.mkdtempSync(path.join(nodeCacheDir, `.partial-${version}-`));
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1'], { stdio: 'inherit' });
    if (untar.status !== 0) fail(`tar could not extract ${tarball}`);
    const bin = path.join(staging, 'bin', 'node');
    if (!fs.existsSync(bin)) fail(`${info.filename} has no bin/node`);
    fs.chmodSync(bin, 0o755);
    if (!works(bin)) fail(`${bin} does not run`);
    const dest = path.join(nodeCacheDir, version);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(staging, dest);
    process.stderr.write(`tools/node.cjs: Node ${version} installed in ${dest}\n`);
    return path.join(dest, 'bin', 'node');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function modernNode() {
  if (majorOf(process.versions.node) >= MIN_MAJOR) return process.execPath;
  return cachedNode() || installNode();
}

/** Re-run this very command line with another Node: stdio inherited, SIGINT/SIGTERM forwarded, exit status mirrored. */
function reexec(nodeBin) {
  const child = spawn(nodeBin, [...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  const forward = (signal) => () => {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  };
  const handlers = { SIGINT: forward('SIGINT'), SIGTERM: forward('SIGTERM'), SIGHUP: forward('SIGHUP') };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  child.on('error', (err) => fail(`cannot run ${nodeBin}: ${err.message}`));
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const [s, handler] of Object.entries(handlers)) process.removeListener(s, handler);
      process.kill(process.pid, signal); // die the same way
      setTimeout(() => process.exit(128 + (os.constants.signals[signal] || 1)), 1000).unref();
      return;
    }
    process.exit(code ?? 1);
  });
}

function runScript(script, args) {
  const tsconfig = path.join(repoRoot, 'tsconfig.json');
  // @swc-node/register reads this tsconfig (and what it extends: paths, decorators, emitDecoratorMetadata).
  process.env.SWC_NODE_PROJECT ??= tsconfig;
  require(require.resolve('@swc-node/register', { paths: [repoRoot] }));
  const file = path.resolve(script);
  process.argv = [process.argv[0], file, ...args];
  // Load it as the main module, so `require.main === module` holds in the script.
  const Module = require('node:module');
  Module._load(file, null, true);
}

function main() {
  const [first, ...rest] = process.argv.slice(2);
  if (first === '--print-node') {
    process.stdout.write(`${modernNode()}\n`);
    return;
  }
  if (!first || first === '--help' || first === '-h') {
    process.stderr.write('usage: node tools/node.cjs <script.ts> [args...] | --print-node\n');
    process.exit(first ? 0 : 2);
  }
  if (majorOf(process.versions.node) < MIN_MAJOR) return reexec(modernNode());
  runScript(first, rest);
}

main();
