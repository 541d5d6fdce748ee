import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import type { SignedPayload } from './payloads';
import { summarise } from './stats';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

/** One request of a load run: its body and headers (method POST). */
export interface LoadRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * Drives an endpoint with POSTs of `requests`, in turn: as fast as it answers (rate undefined) or at a
 * fixed overall rate.
 */
export async function httpLoad(url: string, requests: LoadRequest[], options: { durationS: number; connections: number; rate?: number }): Promise<LoadResult> {
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
          const { body, headers } = requests[next++ % requests.length];
          return { ...request, method: 'POST', body, headers };
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

/**
 * Drives an endpoint with signed webhooks: as fast as it answers (rate undefined) or at a fixed
 * overall rate. Payload variants rotate so records spread over keys.
 */
export function postLoad(url: string, payloads: SignedPayload[], options: { durationS: number; connections: number; rate?: number }): Promise<LoadResult> {
  return httpLoad(
    url,
    payloads.map((payload) => ({
      body: payload.body.toString(),
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': payload.signature },
    })),
    options,
  );
}

/**
 * POSTs `requests`, in turn, at a fixed rate whatever the answers (an open loop: a slow answer does not
 * delay the next send, as partners do not wait either), over keep-alive connections, and times each
 * request from its send to the end of its answer. autocannon's fixed-rate mode is not used here: its
 * latencies came out below a fixed 20 ms upstream delay, which no proxy can answer in.
 */
export async function fixedRateLoad(url: string, requests: LoadRequest[], options: { durationS: number; rate: number }): Promise<LoadResult> {
  const agent = new Agent({ connections: 1024, keepAliveTimeout: 30_000 });
  const total = Math.round(options.rate * options.durationS);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  try {
    for (let i = 0; i < total; i += 1) {
      const wait = start + (i * 1000) / options.rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const { body, headers } = requests[i % requests.length];
      const sent = performance.now();
      const work = request(url, { method: 'POST', body, headers, dispatcher: agent }).then(
        async (response) => {
          await response.body.dump();
          latencies.push(performance.now() - sent);
          if (response.statusCode < 200 || response.statusCode >= 300) non2xx += 1;
        },
        () => {
          errors += 1;
        },
      );
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    }
    await Promise.all(inFlight);
  } finally {
    await agent.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const { p50, p99 } = summarise(latencies);
  return { rps: Math.round(latencies.length / seconds), p50, p99, non2xx, errors, total: latencies.length };
}
