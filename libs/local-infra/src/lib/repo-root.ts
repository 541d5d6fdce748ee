import { existsSync } from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** The workspace root: the nearest directory upward from this file that holds nx.json. */
export function repoRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'nx.json'))) return (cached = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`repoRoot: no nx.json found above ${__dirname}`);
    dir = parent;
  }
}
