// Kept only for consumers/lane.consumer.ts, which is moving into libs/kafka on another branch: delete with that move.
export { recordConsumerLag } from '../metrics/router-metrics';
