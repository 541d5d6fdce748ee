import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@wabridge/local-infra';
import type { Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); Playwright's own browser download is not used. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function newestSource(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }, 0);
}

/**
 * Builds apps/console (vite) when its build is missing or older than its sources, so the browser
 * tests work on a fresh clone and never test a stale bundle.
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

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
  // loaded here, not at import: the other test files share this library and need no browser
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
