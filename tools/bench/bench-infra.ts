import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createDatabase,
  prepareStack,
  startEmbeddedPostgres,
  startKafka,
  type KafkaBroker,
  type Postgres,
  repoRoot,
  type StartKafkaOptions,
} from '@wabridge/local-infra';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileServices } from '../build/compile';

type BrokerVariant = Pick<StartKafkaOptions, 'profile' | 'heap' | 'properties' | 'jvmFlags'>;

/** What the local stack and the bench ran before tools/bench/broker-only.ts measured it: C2, G1, 1 GB, 2 network and 2 I/O threads. */
const BEFORE: BrokerVariant = {
  profile: 'throughput',
  jvmFlags: ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20'],
  heap: ['-Xms1g', '-Xmx1g'],
  properties: { 'num.network.threads': '2', 'num.io.threads': '2' },
};

/** What the local stack runs (`npm start`, the bench), and the settings measured against it (docs/performance.md). */
export const BROKER_VARIANTS: Record<string, BrokerVariant> = {
  // the `throughput` profile: C2, serial GC, 512 MB, 1 network and 1 I/O thread (the `lean` of the measurements)
  stack: { profile: 'throughput' },
  before: BEFORE,
  // C1 only, serial GC, 256–512 MB, 2/2 threads: what the tests run (starts fastest)
  'test-jit': { profile: 'test' },
  // one change each against `before`
  'threads-1-1': { ...BEFORE, properties: { 'num.network.threads': '1', 'num.io.threads': '1' } },
  'threads-3-8': { ...BEFORE, properties: { 'num.network.threads': '3', 'num.io.threads': '8' } }, // Kafka's defaults
  'heap-384m': { ...BEFORE, heap: ['-Xms384m', '-Xmx384m'] },
  'c1-g1': { ...BEFORE, jvmFlags: ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:TieredStopAtLevel=1'] },
  'c1-serial': { ...BEFORE, jvmFlags: ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] },
  'c2-serial': { ...BEFORE, jvmFlags: ['-XX:+UseSerialGC'] },
};

export interface BenchInfra {
  kafkaBrokers: string;
  /** a fresh database of this run, migrated, with the (unprefixed) topics created */
  databaseUrl: string;
  stop(): Promise<void>;
}

export const say = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

/**
 * The benchmark's Kafka and PostgreSQL: KAFKA_BROKERS / DATABASE_URL when set, otherwise a local
 * broker tuned for throughput and an embedded PostgreSQL, stopped again by `stop()`. The services
 * are compiled to dist/ first and run from there, as plain JavaScript without the TypeScript loader
 * (it holds ~100 MB per process); BENCH_TYPESCRIPT=true runs the sources instead.
 */
export async function startBenchInfra(name: string, partitions: number): Promise<BenchInfra> {
  if (process.env.BENCH_TYPESCRIPT !== 'true') {
    const count = await compileServices(join(repoRoot(), 'dist'));
    say(`compiled ${count} files into dist/`);
    process.env.WABRIDGE_SERVICES_BUILD = 'dist';
  }
  let kafka: KafkaBroker | undefined;
  let postgres: Postgres | undefined;
  const stop = async () => {
    await Promise.allSettled([kafka?.stop(), postgres?.stop()]);
  };
  try {
    let kafkaBrokers = process.env.KAFKA_BROKERS;
    if (!kafkaBrokers) {
      // BENCH_BROKER names one of BROKER_VARIANTS (tools/bench/broker-only.ts compares them); default: the stack's
      const variant = BROKER_VARIANTS[process.env.BENCH_BROKER ?? 'stack'];
      if (!variant) throw new Error(`unknown BENCH_BROKER ${process.env.BENCH_BROKER} (known: ${Object.keys(BROKER_VARIANTS).join(', ')})`);
      kafka = await startKafka({ log: say, partitions, ...variant });
      kafkaBrokers = kafka.brokers.join(',');
    }
    let serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      postgres = await startEmbeddedPostgres({ log: say });
      serverUrl = postgres.url;
    }
    const databaseUrl = await createDatabase(serverUrl, `wabridge_bench_${name}_${Date.now()}`);
    // the services started by the scenarios inherit it
    process.env.SECRETS_KEY ??= `bench:${randomBytes(32).toString('base64')}`;
    await prepareStack(databaseUrl, kafkaBrokers, { topicPrefix: '', partitions, secretsKey: process.env.SECRETS_KEY });
    return { kafkaBrokers, databaseUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/**
 * CPU time (user + system) a process has used so far, in seconds, from /proc. Differences of it per
 * request or delivery move far less with whatever else the shared machine runs than throughput does.
 */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** The peak resident memory of a process so far (VmHWM), in MB. */
export function processPeakRssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmHWM:'));
  return line ? Math.round(Number(line.replace(/[^0-9]/g, '')) / 1024) : 0;
}

/** One build of a service in an A/B run: its name and entry file (default: the build being benched). */
export interface BuildVariant {
  name: string;
  /** relative to the repository root; `.js` runs precompiled (e.g. a tree from tools/build/compile.ts) */
  entry?: string;
  /** not a build of the service but its bare baseline (router-baseline.ts, metering-baseline.ts) */
  baseline?: boolean;
}

/**
 * `name=entry,name=entry` (an empty entry: the build being benched); unset: that build alone.
 * `withBaseline` adds the service's bare baseline as one more variant, `baseline`, measured in the same rounds.
 */
export function buildVariantsOf(spec: string | undefined, fallbackName: string, withBaseline = false): BuildVariant[] {
  const variants: BuildVariant[] = spec
    ? spec.split(',').map((item) => {
        const [name, entry] = item.split('=');
        return { name, entry: entry || undefined };
      })
    : [{ name: fallbackName }];
  return withBaseline ? [...variants, { name: 'baseline', baseline: true }] : variants;
}

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Runs `scenario` for every variant, interleaved round by round (BENCH_ROUNDS, default 1), so each
 * build meets the same moments of a shared machine; returns every variant's results in round order.
 */
export async function interleaved<T>(
  variants: BuildVariant[],
  scenario: (variant: BuildVariant) => Promise<T>,
  rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1)),
): Promise<Map<string, T[]>> {
  const runs = new Map<string, T[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const variant of variants) {
      if (variants.length > 1 || rounds > 1) say(`round ${round}, ${variant.name}`);
      runs.get(variant.name)?.push(await scenario(variant));
    }
  }
  return runs;
}

/** Prints a runner's last line: a single run as it is, or each variant's rounds summarised. */
export function printRuns<T>(runs: Map<string, T[]>, summarise: (results: T[]) => object): void {
  const all = [...runs.values()].flat();
  if (all.length === 1) {
    process.stdout.write(`${JSON.stringify(all[0])}\n`);
    return;
  }
  const variants = [...runs].map(([name, results]) => ({ name, ...summarise(results) }));
  process.stdout.write(`${JSON.stringify({ rounds: all.length / runs.size, variants })}\n`);
}

/** A baseline run as a child process of its own, so its CPU time is its own. */
export interface BaselineProcess {
  readonly pid: number | undefined;
  /** lets it start (it waits for a line on stdin after saying `ready`) */
  go(): void;
  stop(): Promise<void>;
}

/**
 * Starts a bench script (TypeScript, through the loader) with `env`, waits until it says `ready` on
 * stdout, and hands it back still waiting for `go()`: CPU time measured from then on is its work, not
 * its start-up (module loading and compiling through the loader).
 */
export async function startBaselineProcess(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<BaselineProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join('tools', 'bench', script)], {
    cwd: repoRoot(),
    env: { ...process.env, ...env, SWC_NODE_PROJECT: 'tsconfig.json' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready after ${timeoutMs} ms`)), timeoutMs);
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${child.exitCode ?? child.signalCode} before it was ready`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    pid: child.pid,
    go: () => child.stdin.write('go\n'),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
