import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { parseWebhookUrl, resolveSafeAddress, UnsafeUrlError, type UrlPolicy } from '@wabridge/webhook-security';
import { KeyedSemaphore, Semaphore } from './concurrency';
import type { DeliveryRequest } from './delivery-request';
import type { AttemptResult } from './attempt-result';

/** At most this much of a partner's answer is read; the rest is dropped with the connection. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/** Destination URLs whose parsed form is kept: a router delivers to few URLs, each many times over. */
const PARSED_URLS_KEPT = 10_000;

export interface PartnerHttpOptions {
  timeoutMs: number;
  urlPolicy: UrlPolicy;
  maxConcurrency: number;
  maxConcurrencyPerDestination: number;
}

/**
 * The dial-time SSRF guard: the socket connects to the address that resolveSafeAddress checked, so a
 * DNS answer cannot change between the check and the connect. (IP literals never reach a lookup;
 * parseWebhookUrl checks those.)
 */
export function safeLookup(policy: UrlPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolveSafeAddress(hostname, policy).then(
      ({ address, family }) => {
        if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, [{ address, family }]);
        else callback(null, address, family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = error;
  while (current && chain.length < 5) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_ABORTED']);

export function classifyError(error: unknown): 'timeout' | 'network' | 'unsafe_destination' {
  const chain = causes(error);
  if (chain.some((item) => item instanceof UnsafeUrlError || (item as Error)?.name === 'UnsafeUrlError')) {
    return 'unsafe_destination';
  }
  if (
    chain.some((item) => {
      const { name, code } = item as { name?: string; code?: string };
      return name === 'TimeoutError' || name === 'AbortError' || (code !== undefined && TIMEOUT_CODES.has(code));
    })
  ) {
    return 'timeout';
  }
  return 'network';
}

/**
 * Posts one attempt. Thin on purpose: no decisions beyond "what happened". Redirects are never
 * followed (undici's request API does not follow them), the whole exchange (connect, headers, body)
 * shares one deadline, and at most 64 KB of the answer is read and discarded.
 */
export class PartnerHttpService {
  private readonly agent: Agent;
  private readonly global: Semaphore;
  private readonly retries: Semaphore;
  private readonly perDestination: KeyedSemaphore;
  /** URLs that passed parseWebhookUrl under this policy (the policy is fixed for the process) */
  private readonly parsedUrls = new Map<string, URL>();

  constructor(private readonly options: PartnerHttpOptions) {
    this.agent = new Agent({
      // destinations sharing a host each have their own slots (below): the pool per origin must hold them all
      connections: options.maxConcurrency,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: options.timeoutMs, lookup: safeLookup(options.urlPolicy) },
    });
    this.global = new Semaphore(options.maxConcurrency);
    // retries may fill half of the process at most: they never starve first attempts (docs/delivery.md)
    this.retries = new Semaphore(Math.max(1, Math.floor(options.maxConcurrency / 2)));
    this.perDestination = new KeyedSemaphore(options.maxConcurrencyPerDestination);
  }

  /**
   * `destination` keys the per-destination slots: the binding's id, so tenants whose partners share a
   * host never share slots (one tenant's slow endpoint cannot hold another's deliveries). Without it,
   * the URL's origin.
   */
  async post(request: DeliveryRequest, lane: 'first' | 'retry' = 'first', destination?: string): Promise<AttemptResult> {
    let url: URL;
    try {
      url = this.parse(request.url);
    } catch (error) {
      return { kind: 'error', errorClass: classifyError(error), latencyMs: 0 };
    }
    // The per-destination slot is taken first, so requests queued for a slow partner do not hold
    // process-wide slots; the deadline starts only once all slots are held.
    const releaseDestination = await this.perDestination.acquire(destination ?? url.origin);
    const releaseLane = lane === 'retry' ? await this.retries.acquire() : () => undefined;
    const releaseGlobal = await this.global.acquire();
    const started = performance.now();
    // one deadline for the whole exchange, cleared as soon as it is over (AbortSignal.timeout would
    // keep a timer and a signal alive for the full timeout after every request)
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.timeoutMs);
    try {
      const response = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: deadline.signal,
      });
      let read = 0;
      for await (const chunk of response.body) {
        read += (chunk as Buffer).length;
        if (read > MAX_RESPONSE_BYTES) break;
      }
      const retryAfter = response.headers['retry-after'];
      return {
        kind: 'response',
        statusCode: response.statusCode,
        retryAfter: Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null),
        latencyMs: performance.now() - started,
      };
    } catch (error) {
      return { kind: 'error', errorClass: classifyError(error), latencyMs: performance.now() - started };
    } finally {
      clearTimeout(timer);
      releaseGlobal();
      releaseLane();
      releaseDestination();
    }
  }

  /** parseWebhookUrl, remembered per URL: the checks depend only on the URL and the fixed policy */
  private parse(raw: string): URL {
    const known = this.parsedUrls.get(raw);
    if (known) return known;
    const url = parseWebhookUrl(raw, this.options.urlPolicy);
    if (this.parsedUrls.size >= PARSED_URLS_KEPT) this.parsedUrls.clear();
    this.parsedUrls.set(raw, url);
    return url;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
