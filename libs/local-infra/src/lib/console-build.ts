import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

function newestSource(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }, 0);
}

/**
 * Builds the web console (apps/console, Vite) into apps/console/dist when that build is missing or
 * older than its sources, so `npm start` and the browser tests work on a fresh clone and never serve a
 * stale bundle. Returns the build directory.
 */
export function ensureConsoleBuilt(): string {
  const app = join(repoRoot(), 'apps', 'console');
  const index = join(app, 'dist', 'index.html');
  const sources = Math.max(newestSource(join(app, 'src')), statSync(join(app, 'index.html')).mtimeMs, statSync(join(app, 'vite.config.mjs')).mtimeMs);
  if (!existsSync(index) || statSync(index).mtimeMs < sources) {
    const vite = join(repoRoot(), 'node_modules', 'vite', 'bin', 'vite.js');
    const built = spawnSync(process.execPath, [vite, 'build', app, '--logLevel', 'warn'], { cwd: repoRoot(), encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`console build failed:\n${built.stdout}\n${built.stderr}`);
  }
  return join(app, 'dist');
}
