import autocannon from 'autocannon';
import type { SignedPayload } from './payloads';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

/**
 * Drives an endpoint with signed webhooks: as fast as it answers (rate undefined) or at a fixed
 * overall rate. Payload variants rotate so records spread over keys.
 */
export async function postLoad(
  url: string,
  payloads: SignedPayload[],
  options: { durationS: number; connections: number; rate?: number },
): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url,
    method: 'POST',
    connections: options.connections,
    duration: options.durationS,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [
      {
        setupRequest: (request) => {
          const payload = payloads[next++ % payloads.length];
          return {
            ...request,
            method: 'POST',
            body: payload.body.toString(),
            headers: { 'content-type': 'application/json', 'x-hub-signature-256': payload.signature },
          };
        },
      },
    ],
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}
