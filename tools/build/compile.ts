// `node tools/node.cjs tools/build/compile.ts [outDir]`: compiles the services and the libs they use
// to plain CommonJS with @swc/core (the same settings as the TypeScript loader and jest: decorators
// with metadata, @wabridge/* aliases rewritten to relative paths) into outDir (default dist/), so a
// service can run as `node dist/apps/<name>/src/main.js` without a TypeScript loader in the process.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { transformFile } from '@swc/core';
import { repoRoot } from '@wabridge/local-infra';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compilerOptions } = require('../../tsconfig.base.json') as { compilerOptions: { paths: Record<string, string[]> } };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

async function main(): Promise<void> {
  const root = repoRoot();
  const outDir = resolve(root, process.argv[2] ?? 'dist');
  const roots = ['apps', 'libs'].flatMap((top) =>
    readdirSync(join(root, top), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(root, top, entry.name, 'src')),
  );
  const files = roots.flatMap((dir) => {
    try {
      return sources(dir);
    } catch {
      return [];
    }
  });
  await Promise.all(
    files.map(async (file) => {
      const { code } = await transformFile(file, {
        swcrc: false,
        filename: file,
        jsc: {
          target: 'es2023',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          keepClassNames: true,
          baseUrl: root,
          paths: compilerOptions.paths,
        },
        module: { type: 'commonjs' },
        sourceMaps: false,
      });
      const target = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, code);
    }),
  );
  process.stderr.write(`compiled ${files.length} files into ${relative(root, outDir) || '.'}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`compile failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
