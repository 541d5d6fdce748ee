// Writes the gateway's OpenAPI document to docs/openapi.json (`--check`: fails if the file is stale).
//   npm run openapi [-- --check]
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApiDocument } from './render-openapi';

const target = join(__dirname, '..', '..', '..', 'docs', 'openapi.json');

async function main(): Promise<void> {
  const rendered = await renderOpenApiDocument();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (current !== rendered) {
      process.stderr.write('docs/openapi.json is out of date: run npm run openapi\n');
      process.exit(1);
    }
    process.stdout.write('docs/openapi.json is up to date\n');
    return;
  }
  writeFileSync(target, rendered);
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
