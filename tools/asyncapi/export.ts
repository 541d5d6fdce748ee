// Writes the AsyncAPI document of the Kafka topics to docs/asyncapi.yaml (`--check`: fails if the file is stale).
//   node tools/node.cjs tools/asyncapi/export.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAsyncApiYaml } from '@wabridge/contracts';

export const ASYNCAPI_FILE = join(__dirname, '..', '..', 'docs', 'asyncapi.yaml');

function main(): void {
  const rendered = renderAsyncApiYaml();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(ASYNCAPI_FILE, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (current !== rendered) {
      process.stderr.write('docs/asyncapi.yaml is out of date: run node tools/node.cjs tools/asyncapi/export.ts\n');
      process.exit(1);
    }
    process.stdout.write('docs/asyncapi.yaml is up to date\n');
    return;
  }
  writeFileSync(ASYNCAPI_FILE, rendered);
  process.stdout.write(`wrote ${ASYNCAPI_FILE}\n`);
}

if (require.main === module) main();
