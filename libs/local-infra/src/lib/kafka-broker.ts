import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts, waitForTcp } from './free-port';
import { guardProcess, sleep, tailFile, type GuardedProcess } from './process-guard';
import { repoRoot } from './repo-root';

export interface KafkaBroker {
  /** bootstrap list for kafkajs, e.g. ['127.0.0.1:40123'] */
  brokers: string[];
  /** the broker JVM's pid (also in <dataDir>/kafka.pid): for tests that SIGKILL it and benches that read its CPU time */
  pid: number;
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  /** Broker data dir (kept on stop). Default: a fresh temp dir, removed on stop. */
  dataDir?: string;
  /** PLAINTEXT listener port on 127.0.0.1. Default: a free port. */
  port?: number;
  log?: (msg: string) => void;
  /** num.partitions for topics created without an explicit count. Default 1. */
  partitions?: number;
  /**
   * `test` (default) starts fastest: C1-only JIT, serial GC, 256–512 MB heap. `throughput`, for the local
   * stack and the benchmark, which run for minutes and more: C2 (it pays its compile time back after about
   * half a minute), the serial GC, a 512 MB heap and one network and one I/O thread — measured against G1,
   * 1 GB and 2/2 threads on two shared cores: −11 % CPU per record, −30 % memory (docs/performance.md, "The
   * broker on a small machine").
   */
  profile?: 'test' | 'throughput';
  /** JIT and GC flags instead of the profile's (the broker A/B bench). */
  jvmFlags?: string[];
  /** JVM heap flags instead of the profile's (`-Xms1g -Xmx1g` for throughput, `-Xms256m -Xmx512m` for test). */
  heap?: string[];
  /** server.properties entries that override the local defaults, e.g. `{ 'num.io.threads': '8' }` (the broker A/B bench). */
  properties?: Record<string, string>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
export const READY_LINE = 'Kafka Server started';
const noop = (): void => undefined;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pomPath(): string {
  return path.join(repoRoot(), 'tools', 'kafka', 'pom.xml');
}

/** The Kafka version pinned in tools/kafka/pom.xml (property kafka.version). */
export async function kafkaVersion(): Promise<string> {
  const pom = await readFile(pomPath(), 'utf8');
  const version = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error(`no <kafka.version> property in ${pomPath()}`);
  return version;
}

export function javaBin(): string {
  return process.env['JAVA_HOME'] ? path.join(process.env['JAVA_HOME'], 'bin', 'java') : 'java';
}

/** Runs a command to completion, capturing its output; rejects with the output's tail on failure. */
export function run(cmd: string, args: string[], opts: { cwd?: string; outFile?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', (err) =>
      reject(new Error(`cannot run ${cmd}: ${err.message}${cmd === 'mvn' || cmd.endsWith('java') ? ' (needs a JDK 17+ and Maven on PATH)' : ''}`)),
    );
    child.once('close', (code, signal) => {
      const out = Buffer.concat(chunks).toString('utf8');
      if (opts.outFile) void writeFile(opts.outFile, out, { flag: 'a' }).catch(noop);
      if (code === 0) return resolve(out);
      const tail = out.trimEnd().split('\n').slice(-40).join('\n');
      reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail}`));
    });
  });
}

/**
 * The broker's jar directory, <repo>/.cache/kafka/<version>/libs, resolved from Maven Central with
 * tools/kafka/pom.xml only when missing (or when the pom changed). A marker written after a complete download makes
 * an interrupted one start over.
 */
export async function ensureKafkaJars(opts: { log?: (msg: string) => void } = {}): Promise<string> {
  const log = opts.log ?? noop;
  const pom = await readFile(pomPath(), 'utf8');
  const version = await kafkaVersion();
  const pomHash = createHash('sha256').update(pom).digest('hex');
  const base = path.join(repoRoot(), '.cache', 'kafka', version);
  const libs = path.join(base, 'libs');
  const marker = path.join(base, 'libs.complete');
  const isComplete = async () => existsSync(libs) && (await readFile(marker, 'utf8').catch(() => '')).trim() === pomHash;
  if (await isComplete()) return libs;

  log(`Kafka ${version}: resolving the broker jars from Maven Central into ${libs} (one-time, ~45 MB)`);
  const started = Date.now();
  await mkdir(base, { recursive: true });
  for (const entry of await readdir(base)) {
    // leftovers of a download that was killed (its process is gone)
    const owner = /^libs\.partial-(\d+)-/.exec(entry)?.[1];
    if (owner && !isAlive(Number(owner))) await rm(path.join(base, entry), { recursive: true, force: true });
  }
  const partial = path.join(base, `libs.partial-${process.pid}-${Date.now()}`);
  try {
    await run('mvn', ['-q', '-B', '-f', pomPath(), 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`, '-DincludeScope=runtime'], {
      cwd: repoRoot(),
    });
    const jars = (await readdir(partial)).filter((f) => f.endsWith('.jar'));
    if (!jars.some((j) => j.startsWith(`kafka_2.13-${version}`)) || !jars.some((j) => j.startsWith('slf4j-simple'))) {
      throw new Error(`Maven finished but ${partial} lacks kafka_2.13-${version}.jar or slf4j-simple (found: ${jars.join(', ')})`);
    }
    if (await isComplete()) return libs; // another process finished first
    await rm(marker, { force: true });
    await rm(libs, { recursive: true, force: true });
    await rename(partial, libs);
    await writeFile(marker, `${pomHash}\n`);
    log(`Kafka ${version}: ${jars.length} jars resolved in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return libs;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

function serverProperties(p: { brokerPort: number; controllerPort: number; logDir: string; partitions: number; threads: number }): string {
  return `# written by libs/local-infra (startKafka): single-node KRaft broker for tests and local runs
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${p.controllerPort}
listeners=PLAINTEXT://127.0.0.1:${p.brokerPort},CONTROLLER://127.0.0.1:${p.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${p.brokerPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${p.logDir}
# one node: every internal topic at replication factor 1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
default.replication.factor=1
num.partitions=${p.partitions}
# topics are created explicitly (kafkajs + KRaft auto-creation races, see research notes)
auto.create.topics.enable=false
# fast consumer-group joins in tests
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
# small footprint
num.network.threads=${p.threads}
num.io.threads=${p.threads}
background.threads=2
log.cleaner.dedupe.buffer.size=2097152
`;
}

export function jvmArgs(libs: string, heap: string[], profile: 'test' | 'throughput' = 'test', jvmFlags?: string[]): string[] {
  return [
    ...heap,
    ...(jvmFlags ?? (profile === 'test' ? ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] : ['-XX:+UseSerialGC'])),
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaRaftServer=info',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-cp',
    `${libs}${path.sep}*`, // java expands the wildcard itself (no shell involved)
  ];
}

/**
 * Starts a real single-node KRaft Kafka broker on 127.0.0.1 and resolves once it logged "Kafka Server started" and
 * accepts TCP connections. The JVM dies with this Node process (see process-guard.ts); its output goes to
 * <dataDir>/broker.log, its pid to <dataDir>/kafka.pid.
 */
export async function startKafka(opts: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const log = opts.log ?? noop;
  const started = Date.now();
  const libs = await ensureKafkaJars({ log });
  const version = await kafkaVersion();

  const ownDir = opts.dataDir === undefined;
  const dir = ownDir ? await mkdtemp(path.join(os.tmpdir(), 'wabridge-kafka-')) : path.resolve(opts.dataDir as string);
  try {
    return await launch({
      dir,
      ownDir,
      libs,
      version,
      started,
      log,
      port: opts.port,
      partitions: opts.partitions ?? 1,
      profile: opts.profile ?? 'test',
      heap: opts.heap,
      jvmFlags: opts.jvmFlags,
      properties: opts.properties ?? {},
    });
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function launch(p: {
  dir: string;
  profile: 'test' | 'throughput';
  ownDir: boolean;
  libs: string;
  version: string;
  started: number;
  log: (msg: string) => void;
  port: number | undefined;
  partitions: number;
  heap: string[] | undefined;
  jvmFlags: string[] | undefined;
  properties: Record<string, string>;
}): Promise<KafkaBroker> {
  const { dir, ownDir, libs, version, started, log } = p;
  await mkdir(dir, { recursive: true });
  const logFile = path.join(dir, 'broker.log');
  const propsFile = path.join(dir, 'server.properties');

  let brokerPort: number;
  let controllerPort: number;
  if (p.port !== undefined) {
    brokerPort = p.port;
    do [controllerPort] = await freePorts(1);
    while (controllerPort === brokerPort);
  } else {
    [brokerPort, controllerPort] = await freePorts(2);
  }
  const overrides = Object.entries(p.properties).map(([key, value]) => `${key}=${value}\n`);
  // a later entry of a properties file wins over an earlier one
  await writeFile(
    propsFile,
    serverProperties({
      brokerPort,
      controllerPort,
      logDir: path.join(dir, 'kraft-logs'),
      partitions: p.partitions,
      threads: p.profile === 'throughput' ? 1 : 2,
    }) + overrides.join(''),
  );

  // Kafka's Uuid: 16 random bytes, base64url, 22 chars; its own generator avoids a leading '-'.
  let clusterId: string;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  const java = javaBin();
  // A caller-given data dir that is already formatted keeps its cluster id and its data.
  if (!existsSync(path.join(dir, 'kraft-logs', 'meta.properties'))) {
    await run(java, [...jvmArgs(libs, ['-Xmx256m']), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', propsFile], {
      outFile: path.join(dir, 'format.log'),
    });
  }

  const fd = openSync(logFile, 'a');
  let broker: GuardedProcess;
  try {
    const child = spawn(
      java,
      [
        ...jvmArgs(libs, p.heap ?? (p.profile === 'throughput' ? ['-Xms512m', '-Xmx512m'] : ['-Xms256m', '-Xmx512m']), p.profile, p.jvmFlags),
        'kafka.Kafka',
        propsFile,
      ],
      {
        cwd: dir,
        stdio: ['ignore', fd, fd],
        detached: true, // its own process group: a Ctrl-C in the terminal reaches the launcher, which stops it last
      },
    );
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    if (child.pid === undefined) throw new Error(`cannot start ${java}: ${(await spawnError).message}`);
    broker = guardProcess(child, { signal: 'SIGTERM', graceMs: STOP_GRACE_MS, removeDirOnOrphan: ownDir ? dir : undefined });
  } finally {
    closeSync(fd);
  }
  await writeFile(path.join(dir, 'kafka.pid'), `${broker.pid}\n`);
  log(`Kafka ${version}: broker pid ${broker.pid} starting on 127.0.0.1:${brokerPort} (data and log: ${dir})`);

  const fail = async (why: string): Promise<never> => {
    await broker.stop();
    const tail = await tailFile(logFile, 40);
    throw new Error(`Kafka broker did not start: ${why}. Last lines of ${logFile}:\n${tail || '(empty)'}`);
  };

  const deadline = started + START_TIMEOUT_MS;
  for (;;) {
    if (broker.hasExited()) {
      const info = await broker.exited;
      await fail(`the JVM exited early (${info.signal ?? `exit code ${info.code}`})`);
    }
    const text = await readFile(logFile, 'utf8').catch(() => '');
    if (text.includes(READY_LINE)) break;
    if (Date.now() > deadline) await fail(`no "${READY_LINE}" within ${START_TIMEOUT_MS / 1000} s`);
    await sleep(200);
  }
  try {
    await waitForTcp(brokerPort, Math.max(1000, deadline - Date.now()));
  } catch (err) {
    await fail((err as Error).message);
  }
  log(`Kafka ${version}: ready on 127.0.0.1:${brokerPort} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  let stopped: Promise<void> | undefined;
  return {
    brokers: [`127.0.0.1:${brokerPort}`],
    pid: broker.pid,
    stop: () =>
      (stopped ??= (async () => {
        await broker.stop();
        if (ownDir) await rm(dir, { recursive: true, force: true });
        log(`Kafka ${version}: broker stopped`);
      })()),
  };
}
