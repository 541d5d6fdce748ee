#!/usr/bin/env node
// The entry every npm script goes through:
//   node tools/node.cjs <script.ts> [args...]   run a TypeScript script (with @swc-node/register) on a supported Node
//   node tools/node.cjs --print-node            print the path of a supported Node binary (used by .ci/run)
// The supported Node is the one package.json's "engines.node" names (the only place the version is stated). On an
// older Node it fetches that major from the npm registry (package node-<platform>-<arch>, the only source of Node
// binaries reachable here) into <repo>/.cache/node/<version>/ and re-executes itself with it. Before running a script
// it installs the dependencies (`npm ci`) when node_modules is missing or does not match package-lock.json, so a
// fresh clone needs no step before `npm start` / `npm test`. Only Node built-ins are used until then.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..');
const nodeCacheDir = path.join(repoRoot, '.cache', 'node');

/** The lowest Node major package.json's engines.node accepts (">=24" -> 24). */
function engineMajor(root) {
  const engines = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).engines || {};
  const major = /^\s*>=\s*v?(\d+)/.exec(String(engines.node || ''));
  if (!major) fail(`package.json needs "engines": { "node": ">=<major>" } (found ${JSON.stringify(engines.node)})`);
  return Number(major[1]);
}

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
  return r.status === 0 && majorOf(r.stdout.trim()) >= engineMajor(repoRoot);
}

/** The newest complete cached Node <engine major>.x, if any. */
function cachedNode() {
  const FETCH_MAJOR = engineMajor(repoRoot);
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

/** `npm pack node-<platform>-<arch>@<engine major>`, extracted to .cache/node/<version>. */
function installNode() {
  const FETCH_MAJOR = engineMajor(repoRoot);
  const pkg = `node-${process.platform}-${process.arch}@${FETCH_MAJOR}`;
  process.stderr.write(`tools/node.cjs: Node ${process.versions.node} is older than ${FETCH_MAJOR}; fetching ${pkg} from the npm registry\n`);
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
  if (majorOf(process.versions.node) >= engineMajor(repoRoot)) return process.execPath;
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

/**
 * Whether <root>/node_modules holds what <root>/package-lock.json asks for: 'missing' (no node_modules or no hidden
 * lockfile npm writes there), 'stale' (a package added, removed or at another version, e.g. after a pull) or
 * 'current'. A hidden lockfile newer than package-lock.json is trusted without reading either.
 */
function dependencyState(root) {
  const lockFile = path.join(root, 'package-lock.json');
  const hiddenFile = path.join(root, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(hiddenFile)) return 'missing';
  if (!fs.existsSync(lockFile)) return 'current'; // nothing to compare with (npm ci would refuse anyway)
  if (fs.statSync(hiddenFile).mtimeMs >= fs.statSync(lockFile).mtimeMs) return 'current';
  const wanted = JSON.parse(fs.readFileSync(lockFile, 'utf8')).packages || {};
  const installed = JSON.parse(fs.readFileSync(hiddenFile, 'utf8')).packages || {};
  for (const [name, entry] of Object.entries(wanted)) {
    if (name === '') continue; // the project itself
    const have = installed[name];
    // optional packages for other platforms (e.g. @swc/core-darwin-arm64) are legitimately absent
    if (!have) {
      if (entry.optional) continue;
      return 'stale';
    }
    if (have.version !== entry.version || have.resolved !== entry.resolved) return 'stale';
  }
  for (const name of Object.keys(installed)) if (!(name in wanted)) return 'stale';
  return 'current';
}

/** `npm ci` in the repository when node_modules is missing or does not match the lockfile. */
function ensureDependencies() {
  const state = dependencyState(repoRoot);
  if (state === 'current') return;
  process.stderr.write(
    `tools/node.cjs: ${state === 'missing' ? 'node_modules is missing' : 'node_modules does not match package-lock.json'}; running npm ci\n`,
  );
  // the npm that started us (npm_execpath), else the one on PATH
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli && /\.[cm]?js$/.test(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
  const r = spawnSync(cmd, [...args, 'ci', '--no-audit', '--no-fund'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
  if (r.error) fail(`cannot run npm ci: ${r.error.message}`);
  if (r.status !== 0) fail(`npm ci failed (exit ${r.status ?? r.signal}); fix the error above and run the command again`);
}

function runScript(script, args) {
  if (/\.[cm]?js$/.test(script)) {
    // plain JavaScript: no TypeScript loader
    const file = path.resolve(script);
    process.argv = [process.argv[0], file, ...args];
    require('node:module')._load(file, null, true);
    return;
  }
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
  if (majorOf(process.versions.node) < engineMajor(repoRoot)) return reexec(modernNode());
  ensureDependencies();
  runScript(first, rest);
}

if (require.main === module) main();
else module.exports = { dependencyState, engineMajor };
