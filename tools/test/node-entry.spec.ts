// tools/node.cjs, the entry of `npm start` and `npm test`: on a fresh clone it installs the dependencies itself, and it
// notices a node_modules that no longer matches package-lock.json. Runs real `npm ci` on a tiny project whose only
// dependency is a local folder (no registry involved).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@wabridge/local-infra';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const entry = require('../node.cjs') as { dependencyState(root: string): string; engineMajor(root: string): number };

const INSTALLING = /node_modules (is missing|does not match package-lock\.json); running npm ci/;

describe('tools/node.cjs', () => {
  let project: string;

  const writeJson = (file: string, value: unknown) => writeFileSync(join(project, file), `${JSON.stringify(value, null, 2)}\n`);

  /** A project like the repository: engines.node as ours, tools/node.cjs, one dependency (a local folder). */
  const makeProject = (depVersion: string) => {
    mkdirSync(join(project, 'tools'), { recursive: true });
    mkdirSync(join(project, 'dep'), { recursive: true });
    copyFileSync(join(repoRoot(), 'tools', 'node.cjs'), join(project, 'tools', 'node.cjs'));
    const engines = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { engines: unknown }).engines;
    writeJson('package.json', { name: 'p', version: '1.0.0', private: true, engines, dependencies: { dep: 'file:./dep' } });
    writeJson('dep/package.json', { name: 'dep', version: depVersion, main: 'index.js' });
    writeFileSync(join(project, 'dep', 'index.js'), `module.exports = '${depVersion}';\n`);
    writeJson('package-lock.json', {
      name: 'p',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'p', version: '1.0.0', dependencies: { dep: 'file:./dep' }, engines },
        'node_modules/dep': { resolved: 'dep', link: true },
        dep: { version: depVersion },
      },
    });
    writeFileSync(join(project, 'hello.js'), "process.stdout.write(`dep ${require('dep')}\\n`);\n");
  };

  const run = () => {
    const env = { ...process.env };
    delete env.npm_execpath; // use the npm on PATH, as a plain `node tools/node.cjs` would
    const result = spawnSync(process.execPath, ['tools/node.cjs', 'hello.js'], { cwd: project, env, encoding: 'utf8', timeout: 120_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'wabridge-node-entry-'));
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it('reads the Node version from package.json, the one place it is stated', () => {
    const engines = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { engines: { node: string } }).engines;
    expect(engines.node).toMatch(/^>=\d+$/);
    expect(entry.engineMajor(repoRoot())).toBe(Number(engines.node.slice(2)));
    expect(readFileSync(join(repoRoot(), '.nvmrc'), 'utf8').trim()).toBe(engines.node.slice(2));
    expect(readFileSync(join(repoRoot(), 'README.md'), 'utf8')).toContain(`Node.js ${engines.node.slice(2)} or newer`);
    // the container image builds and runs on that major too
    const froms = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8').match(/^FROM node:(\d+)/gm) ?? [];
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) expect(from).toBe(`FROM node:${engines.node.slice(2)}`);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(entry.engineMajor(repoRoot()));
  });

  it('installs the dependencies on a fresh clone, skips it when current, and reinstalls after the lockfile changed', () => {
    makeProject('1.0.0');
    expect(entry.dependencyState(project)).toBe('missing');

    const fresh = run();
    expect(fresh.stderr).toMatch(INSTALLING);
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toBe('dep 1.0.0\n');
    expect(entry.dependencyState(project)).toBe('current');

    const again = run();
    expect(again.stderr).not.toMatch(INSTALLING);
    expect(again.stdout).toBe('dep 1.0.0\n');

    // a lockfile touched without a change (a checkout) is not a reason to reinstall
    const later = new Date(Date.now() + 5000);
    utimesSync(join(project, 'package-lock.json'), later, later);
    expect(entry.dependencyState(project)).toBe('current');

    // a pull that changes the lockfile: node_modules is now older and different
    makeProject('2.0.0');
    utimesSync(join(project, 'package-lock.json'), later, later);
    expect(entry.dependencyState(project)).toBe('stale');
    const pulled = run();
    expect(pulled.stderr).toMatch(INSTALLING);
    expect(pulled.status).toBe(0);
    expect(pulled.stdout).toBe('dep 2.0.0\n');
    expect(entry.dependencyState(project)).toBe('current');
  }, 150_000);

  it('stops with a clear message when npm ci fails', () => {
    makeProject('1.0.0');
    // package.json asks for a dependency the lockfile lacks: npm ci refuses to guess
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    manifest.dependencies.other = 'file:./dep';
    writeJson('package.json', manifest);
    const failed = run();
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toMatch(/npm ci failed/);
  }, 150_000);
});
