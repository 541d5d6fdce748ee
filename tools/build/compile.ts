// `node tools/node.cjs tools/build/compile.ts [outDir]`: compiles the services and the libs they use
// to plain CommonJS with @swc/core (the same settings as the TypeScript loader and jest: decorators
// with metadata, @wabridge/* aliases rewritten to relative paths) into outDir (default dist/), so a
// service can run as `node dist/apps/<name>/src/main.js` without a TypeScript loader in the process. The container
// image's one-off and health commands (tools/stack/migrate.ts, healthcheck.ts) are compiled with them.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { transformFile } from '@swc/core';
import { repoRoot } from '@wabridge/local-infra';

const { compilerOptions } = JSON.parse(readFileSync(join(repoRoot(), 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** What the container image runs besides the services (see Dockerfile). */
const IMAGE_TOOLS = ['tools/stack/migrate.ts', 'tools/stack/stack.config.ts', 'tools/stack/healthcheck.ts'];

/** Compiles every app's and lib's sources (not tests) into outDir, keeping the repository layout. */
export async function compileServices(outDir = join(repoRoot(), 'dist')): Promise<number> {
  const root = repoRoot();
  if (resolve(outDir) === root) throw new Error('the output directory cannot be the repository itself');
  rmSync(outDir, { recursive: true, force: true }); // no stale files of sources since removed
  const roots = ['apps', 'libs'].flatMap((top) =>
    readdirSync(join(root, top), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(root, top, entry.name, 'src')),
  );
  const files = [
    ...roots.flatMap((dir) => {
      try {
        return sources(dir);
      } catch {
        return [];
      }
    }),
    ...IMAGE_TOOLS.map((file) => join(root, file)),
  ];
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
  return files.length;
}

if (require.main === module) {
  const outDir = resolve(repoRoot(), process.argv[2] ?? 'dist');
  compileServices(outDir)
    .then((count) => process.stderr.write(`compiled ${count} files into ${relative(repoRoot(), outDir) || '.'}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`compile failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
