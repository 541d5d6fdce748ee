import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts, waitForTcp } from './free-port';
import { ensureKafkaJars, javaBin, jvmArgs, kafkaVersion, READY_LINE, run } from './kafka-broker';
import { guardProcess, sleep, tailFile, type GuardedProcess } from './process-guard';

/** One node of a local cluster: broker and KRaft controller in one JVM. */
export interface KafkaNode {
  readonly id: number;
  /** its PLAINTEXT listener, e.g. 127.0.0.1:40123 */
  readonly address: string;
  pid(): number | undefined;
  isRunning(): boolean;
  /** SIGKILL: no shutdown, no controlled leadership hand-over. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data (after kill()). */
  start(): Promise<void>;
}

export interface KafkaCluster {
  /** every node's bootstrap address */
  brokers: string[];
  nodes: KafkaNode[];
  stop(): Promise<void>;
}

export interface StartKafkaClusterOptions {
  /** Default 3. */
  nodes?: number;
  /** min.insync.replicas for every topic. Default: a majority of the nodes (2 of 3). */
  minInsyncReplicas?: number;
  /** num.partitions for topics created without an explicit count. Default 1. */
  partitions?: number;
  log?: (msg: string) => void;
}

const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;
const noop = (): void => undefined;

interface NodePorts {
  id: number;
  broker: number;
  controller: number;
}

/**
 * A node's server.properties: every node is broker and controller, the controllers form a static quorum, and every
 * topic (the internal ones too) is replicated to all nodes and needs a majority in sync to accept a write — the
 * production shape (docs/operations.md#kafka-in-production), with timeouts shortened so a dead node is fenced in
 * seconds.
 */
function clusterProperties(self: NodePorts, all: NodePorts[], p: { logDir: string; partitions: number; minIsr: number }): string {
  const voters = all.map((n) => `${n.id}@127.0.0.1:${n.controller}`).join(',');
  const rf = all.length;
  return `# written by libs/local-infra (startKafkaCluster): node ${self.id} of a ${rf}-node KRaft cluster
process.roles=broker,controller
node.id=${self.id}
controller.quorum.voters=${voters}
listeners=PLAINTEXT://127.0.0.1:${self.broker},CONTROLLER://127.0.0.1:${self.controller}
advertised.listeners=PLAINTEXT://127.0.0.1:${self.broker}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${p.logDir}
# replication as in production: every partition on every node, a write needs ${p.minIsr} in sync
default.replication.factor=${rf}
min.insync.replicas=${p.minIsr}
offsets.topic.replication.factor=${rf}
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=${rf}
transaction.state.log.min.isr=${p.minIsr}
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=${rf}
share.coordinator.state.topic.min.isr=${p.minIsr}
unclean.leader.election.enable=false
num.partitions=${p.partitions}
auto.create.topics.enable=false
# a killed node is fenced (and its partitions get new leaders) within a few seconds (defaults: 9 s, 2 s)
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
# a follower that stopped fetching leaves the ISR after 5 s (default 30 s)
replica.lag.time.max.ms=5000
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
num.network.threads=2
num.io.threads=2
background.threads=2
log.cleaner.dedupe.buffer.size=2097152
`;
}

/**
 * Starts a real N-node KRaft Kafka cluster (default 3) on 127.0.0.1 from the same Maven jars as startKafka, with
 * replication factor N and min.insync.replicas a majority. Nodes can be SIGKILLed and started again one by one. Every
 * JVM dies with this Node process; the data dir is removed on stop().
 */
export async function startKafkaCluster(opts: StartKafkaClusterOptions = {}): Promise<KafkaCluster> {
  const log = opts.log ?? noop;
  const count = opts.nodes ?? 3;
  const minIsr = opts.minInsyncReplicas ?? Math.floor(count / 2) + 1;
  const started = Date.now();
  const libs = await ensureKafkaJars({ log });
  const version = await kafkaVersion();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wabridge-kafka-cluster-'));
  const free = await freePorts(count * 2);
  const ports: NodePorts[] = Array.from({ length: count }, (_, i) => ({ id: i + 1, broker: free[2 * i], controller: free[2 * i + 1] }));
  let clusterId: string;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  const java = javaBin();

  const nodes = await Promise.all(
    ports.map(async (self) => {
      const nodeDir = path.join(dir, `node-${self.id}`);
      await mkdir(nodeDir, { recursive: true });
      const propsFile = path.join(nodeDir, 'server.properties');
      await writeFile(propsFile, clusterProperties(self, ports, { logDir: path.join(nodeDir, 'kraft-logs'), partitions: opts.partitions ?? 1, minIsr }));
      await run(java, [...jvmArgs(libs, ['-Xmx256m']), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', propsFile], {
        outFile: path.join(nodeDir, 'format.log'),
      });
      return new LocalNode(self, nodeDir, propsFile, libs, log);
    }),
  );

  const cluster: KafkaCluster = {
    brokers: nodes.map((node) => node.address),
    nodes,
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      await rm(dir, { recursive: true, force: true });
      log(`Kafka ${version} cluster: stopped`);
    },
  };
  try {
    // a node's broker starts only once the controllers have a quorum: start them together
    await Promise.all(nodes.map((node) => node.start(started + START_TIMEOUT_MS)));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  log(`Kafka ${version}: ${count}-node cluster ready on ${cluster.brokers.join(',')} in ${((Date.now() - started) / 1000).toFixed(1)} s (data: ${dir})`);
  return cluster;
}

class LocalNode implements KafkaNode {
  readonly id: number;
  readonly address: string;
  private process: GuardedProcess | undefined;
  private readonly logFile: string;

  constructor(
    private readonly ports: NodePorts,
    private readonly dir: string,
    private readonly propsFile: string,
    private readonly libs: string,
    private readonly log: (msg: string) => void,
  ) {
    this.id = ports.id;
    this.address = `127.0.0.1:${ports.broker}`;
    this.logFile = path.join(dir, 'broker.log');
  }

  pid(): number | undefined {
    return this.process?.pid;
  }

  isRunning(): boolean {
    return this.process !== undefined && !this.process.hasExited();
  }

  async start(deadline = Date.now() + START_TIMEOUT_MS): Promise<void> {
    if (this.isRunning()) return;
    // only lines written from now on count as this start's readiness
    const from = existsSync(this.logFile) ? (await readFile(this.logFile, 'utf8')).length : 0;
    const fd = openSync(this.logFile, 'a');
    try {
      const child = spawn(javaBin(), [...jvmArgs(this.libs, ['-Xms128m', '-Xmx384m']), 'kafka.Kafka', this.propsFile], {
        cwd: this.dir,
        stdio: ['ignore', fd, fd],
        detached: true,
      });
      const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
      if (child.pid === undefined) throw new Error(`cannot start java: ${(await spawnError).message}`);
      this.process = guardProcess(child, { signal: 'SIGTERM', graceMs: STOP_GRACE_MS });
    } finally {
      closeSync(fd);
    }
    const broker = this.process;
    for (;;) {
      if (broker.hasExited()) {
        const info = await broker.exited;
        throw new Error(`Kafka node ${this.id} exited early (${info.signal ?? `exit ${info.code}`}):\n${await tailFile(this.logFile, 30)}`);
      }
      const text = await readFile(this.logFile, 'utf8').catch(() => '');
      if (text.slice(from).includes(READY_LINE)) break;
      if (Date.now() > deadline) {
        await broker.stop();
        throw new Error(`Kafka node ${this.id}: no "${READY_LINE}" in time:\n${await tailFile(this.logFile, 30)}`);
      }
      await sleep(200);
    }
    await waitForTcp(this.ports.broker, Math.max(1000, deadline - Date.now()));
    this.log(`Kafka node ${this.id}: pid ${broker.pid} ready on ${this.address}`);
  }

  async kill(): Promise<void> {
    const broker = this.process;
    if (!broker || broker.hasExited()) return;
    process.kill(broker.pid, 'SIGKILL');
    await broker.exited;
    await broker.stop(); // releases the watchdog
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
