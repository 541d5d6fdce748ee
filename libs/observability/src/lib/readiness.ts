/** Something a service needs before it can take traffic (Kafka connected, database reachable...). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean> | boolean;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
