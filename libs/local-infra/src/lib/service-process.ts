import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { guardProcess } from './process-guard';
import { repoRoot } from './repo-root';
import { waitFor } from './wait-for';

export type ServiceName = 'ingress' | 'gateway' | 'router' | 'metering' | 'wa-sim';

export const PORT_VARIABLE: Record<ServiceName, string> = {
  ingress: 'INGRESS_PORT',
  gateway: 'GATEWAY_PORT',
  router: 'ROUTER_PORT',
  metering: 'METERING_PORT',
  'wa-sim': 'WA_SIM_PORT',
};

/**
 * V8 flags a service always runs with: a young generation of at most 3 × 8 MB. By default V8 sizes it
 * from the machine's memory, and under load it grows past 150 MB of garbage that is resident until the
 * next scavenge; the small one also costs less CPU (docs/performance.md, measured on ingress and router).
 */
export const SERVICE_NODE_FLAGS: Partial<Record<ServiceName, string[]>> = {
  ingress: ['--max-semi-space-size=8'],
  gateway: ['--max-semi-space-size=8'],
  router: ['--max-semi-space-size=8'],
  metering: ['--max-semi-space-size=8'],
};

export interface ServiceProcessOptions {
  /**
   * The entry file relative to the repository root. Default: `apps/<name>/src/main.ts`, run through
   * @swc-node/register, or, when WABRIDGE_SERVICES_BUILD names a tree compiled by
   * tools/build/compile.ts, `<that tree>/apps/<name>/src/main.js`. A `.js` file runs as plain
   * JavaScript, without the TypeScript loader and the memory it holds.
   */
  entry?: string;
  /** NODE_ENV of the service. Default `test`; `npm start` runs them as a deployment would (`production`). */
  nodeEnv?: string;
  /**
   * Its own process group, and tied to this process's lifetime (it dies with it, even on kill -9): how `npm start`
   * runs services, so a terminal's Ctrl-C reaches only the launcher, which stops them in order.
   */
  detached?: boolean;
  /**
   * Run this command line instead of Node with `entry` (e.g. a container image's CMD, `['sh', '-c', 'exec node …']`),
   * in `cwd` (default: the repository root).
   */
  command?: string[];
  cwd?: string;
  /** Start from this process's environment (default true); false gives the service only PATH and its own variables. */
  inheritEnv?: boolean;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A wabridge service running as a real child process, exactly as `npm start` runs it. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private exitInfo: Promise<ServiceExit> = Promise.resolve({ code: null, signal: null });
  readonly url: string;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Record<string, string>,
    readonly logFile: string,
    private readonly options: ServiceProcessOptions = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the process and waits until /health/ready answers 200. */
  async start(readyTimeoutMs = 60000): Promise<void> {
    const root = repoRoot();
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const build = process.env.WABRIDGE_SERVICES_BUILD;
    const entry = this.options.entry ?? (build ? join(build, 'apps', this.name, 'src', 'main.js') : join('apps', this.name, 'src', 'main.ts'));
    const loader = entry.endsWith('.js') ? [] : ['-r', '@swc-node/register'];
    const [cmd, ...args] = this.options.command ?? [process.execPath, ...loader, entry];
    const inherited = this.options.inheritEnv === false ? { PATH: process.env.PATH } : process.env;
    const child = spawn(cmd, args, {
      cwd: this.options.cwd ?? root,
      env: {
        ...inherited,
        SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
        NODE_ENV: this.options.nodeEnv ?? 'test',
        ...this.env,
        [PORT_VARIABLE[this.name]]: String(this.port),
        // the service's own flags first, so that NODE_OPTIONS given for a run can override them
        NODE_OPTIONS: [...(SERVICE_NODE_FLAGS[this.name] ?? []), this.env.NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? ''].join(' ').trim(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.options.detached ?? false,
    });
    this.child = child;
    this.exitInfo = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    if (this.options.detached && child.pid !== undefined) {
      const guarded = guardProcess(child, { signal: 'SIGTERM', graceMs: 10_000 });
      child.ref(); // a supervised service keeps its launcher alive
      void guarded.exited;
    }
    // two sources into one file: neither may end it while the other still writes (a process that dies at
    // start-up closes stdout before its last stderr line arrives)
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const logged = new Promise<void>((resolve) => log.once('finish', () => resolve()));
    let ready = false;
    // a process that exits during start-up fails the start at once, with its last log lines
    const exitedEarly = this.exited.then(async (code) => {
      if (ready) return;
      await Promise.race([logged, new Promise((resolve) => setTimeout(resolve, 2000))]);
      throw new Error(`${this.name} exited with ${code} during start-up`);
    });
    await Promise.race([
      waitFor(
        async () => {
          const response = await fetch(`${this.url}/health/ready`);
          return response.status === 200;
        },
        { timeoutMs: readyTimeoutMs, intervalMs: 100, what: `${this.name} to become ready` },
      ).then(() => {
        ready = true;
      }),
      exitedEarly,
    ]).catch((error: Error) => {
      throw new Error(`${error.message}\n--- ${this.name} log ---\n${this.tail()}`);
    });
  }

  /** Settles when the process started last exits (on its own, killed or stopped). */
  exit(): Promise<ServiceExit> {
    return this.exitInfo;
  }

  /** Graceful stop (SIGTERM), then SIGKILL after a grace period. */
  async stop(graceMs = 10000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Crash it: SIGKILL, no shutdown hooks. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  logs(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  private tail(): string {
    return this.logs().split('\n').slice(-30).join('\n');
  }
}

export function serviceLogDir(): string {
  const dir = join(repoRoot(), 'tmp', 'test-logs');
  mkdirSync(dir, { recursive: true });
  return dir;
}
