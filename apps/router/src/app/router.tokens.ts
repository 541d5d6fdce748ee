import type { createKafka } from '@wabridge/kafka';

/** The router's one kafkajs client (libs/kafka's createKafka). */
export const ROUTER_KAFKA = Symbol('ROUTER_KAFKA');
/** The BatchingProducer every lane and the delivery path write through. */
export const ROUTER_PRODUCER = Symbol('ROUTER_PRODUCER');
/** The router's PostgreSQL pool (a TypeORM DataSource). */
export const ROUTER_DATA_SOURCE = Symbol('ROUTER_DATA_SOURCE');
/** `() => Date`: the delivery path's clock, so specs can fix the time. */
export const ROUTER_CLOCK = Symbol('ROUTER_CLOCK');
/** `() => number` in [0, 1): the retry jitter's source, so specs can fix it. */
export const ROUTER_RANDOM = Symbol('ROUTER_RANDOM');

export type KafkaClient = ReturnType<typeof createKafka>;
export type Clock = () => Date;
export type Random = () => number;
