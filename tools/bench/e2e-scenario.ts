// Bench scenario: end to end, ingress → Kafka → router → partner. Signed webhooks are sent at a fixed
// rate to a running ingress, spread over the given numbers; the partner endpoints (PartnerSink) note
// when each message arrives and how often. Latency is arrival minus send time; an event answered 200
// and not at a partner once arrivals stopped for `settleMs` is lost; arrivals beyond the first are repeated.
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { waitFor } from '@wabridge/local-infra';
import { signMetaPayload } from '@wabridge/webhook-security';
import type { PartnerSink } from './partner-sink';
import { inboundWebhook } from './payloads';
import { repeatedDeliveries, summarise } from './stats';

export interface E2eOptions {
  ingressUrl: string;
  secret: string;
  /** webhooks per second */
  rate: number;
  durationS: number;
  /** event i goes to number i mod n */
  phoneNumberIds: string[];
  partner: PartnerSink;
  /** after the last send, how long without any new arrival before the missing events count as lost (default 60 s) */
  settleMs?: number;
  /** things to do while the load runs (not awaited by the sender), e.g. a SIGKILL 4 s in */
  during?: { atS: number; run: () => Promise<void> }[];
}

export interface E2eResult {
  sent: number;
  received: number;
  /** answered other than 200 (503 when Kafka did not acknowledge in time): Meta retries those */
  refused: number;
  /** answered 200 and never at a partner: the only real loss */
  lost: number;
  /** arrivals beyond the first of an accepted event (at-least-once) */
  repeated: number;
  p50: number;
  p99: number;
  max: number;
  /** how long ingress took to answer (200 after Kafka's acknowledgement): the part of the latency before the router */
  ingress_p50: number;
  ingress_p99: number;
}

/** the longest wait for a pipeline still catching up after the last send */
const SETTLE_CAP_MS = 15 * 60_000;

export async function endToEnd(options: E2eOptions): Promise<E2eResult> {
  const { partner, rate, phoneNumberIds } = options;
  const total = Math.round(rate * options.durationS);
  partner.clear();
  const run = randomBytes(4).toString('hex');
  const sentAt = new Map<string, number>();
  const refused = new Set<string>();
  const answeredIn: number[] = [];
  const inFlight: Promise<unknown>[] = [];
  const pending = [...(options.during ?? [])].sort((a, b) => a.atS - b.atS);
  const background: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    while (pending.length > 0 && performance.now() - start >= pending[0].atS * 1000) {
      const [next] = pending.splice(0, 1);
      background.push(next.run());
    }
    const marker = `e2e${run}_${i}`;
    const body = inboundWebhook(phoneNumberIds[i % phoneNumberIds.length], marker);
    const sent = performance.now();
    sentAt.set(marker, sent);
    inFlight.push(
      request(options.ingressUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaPayload(body, options.secret) },
        body,
      }).then(
        (response) => {
          answeredIn.push(performance.now() - sent);
          if (response.statusCode !== 200) refused.add(marker);
          return response.body.dump();
        },
        () => refused.add(marker),
      ),
    );
    if (inFlight.length > 2000) await Promise.all(inFlight.splice(0, 1000));
  }
  await Promise.all(inFlight);
  await Promise.all(background);
  const accepted = [...sentAt.keys()].filter((marker) => !refused.has(marker));
  // A pipeline behind its load is still delivering long after the last send: an event is lost only when
  // deliveries stopped coming for `settleMs`, not merely late (at most SETTLE_CAP_MS in all).
  const idleMs = options.settleMs ?? 60000;
  let seen = partner.arrivals.size;
  let progressAt = performance.now();
  await waitFor(
    () => {
      if (accepted.every((marker) => partner.arrivals.has(marker))) return true;
      if (partner.arrivals.size !== seen) {
        seen = partner.arrivals.size;
        progressAt = performance.now();
      }
      return performance.now() - progressAt > idleMs;
    },
    { timeoutMs: SETTLE_CAP_MS, intervalMs: 200, what: 'every accepted event at the partner' },
  ).catch(() => undefined);
  const latencies: number[] = [];
  for (const [marker, at] of partner.arrivals) {
    const sent = sentAt.get(marker);
    if (sent !== undefined) latencies.push(at - sent);
  }
  const latency = summarise(latencies);
  const ingress = summarise(answeredIn);
  return {
    sent: total,
    received: [...sentAt.keys()].filter((marker) => partner.arrivals.has(marker)).length,
    refused: refused.size,
    lost: accepted.filter((marker) => !partner.arrivals.has(marker)).length,
    repeated: repeatedDeliveries(partner.deliveries, accepted),
    ...latency,
    ingress_p50: ingress.p50,
    ingress_p99: ingress.p99,
  };
}
