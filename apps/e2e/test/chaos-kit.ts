// Shared by the fault-injection tests under load (kafka-cluster, chaos): a steady stream of signed Meta webhooks to
// ingress and template sends through the gateway, every answer recorded, and the checks that follow — every webhook
// answered 200 reached the bound partner, metering counted every accepted send exactly once.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  FIXTURE_IDS,
  metaFixtureFor,
  metaHeaders,
  PartnerServer,
  provisionChannel,
  waitFor,
  type ProvisionedChannel,
  type TestStack,
} from '@wabridge/testing';

const WAMID = /wamid\.[A-Za-z0-9_-]+/g;
const REQUEST_TIMEOUT_MS = 20_000;

/** An answer: the HTTP status, or why there was none. */
export type Answer = number | 'refused' | 'timeout';

export interface LoadOptions {
  webhooksPerSecond: number;
  /** one template send per this many webhooks (0: none) */
  templateEvery: number;
}

/** Channels bound to one partner that answers 200 to everything. */
export async function boundChannels(stack: TestStack, count: number): Promise<{ channels: ProvisionedChannel[]; partner: PartnerServer }> {
  const partner = await PartnerServer.start(() => 200);
  const channels: ProvisionedChannel[] = [];
  for (let i = 0; i < count; i += 1) {
    const channel = await provisionChannel(stack.url('gateway'), stack.adminToken);
    const bound = await fetch(`${stack.url('gateway')}/v1/configs/webhook`, {
      method: 'POST',
      headers: { 'D360-API-KEY': channel.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${partner.url}/hook` }),
    });
    if (bound.status !== 200) throw new Error(`bind: ${bound.status} ${await bound.text()}`);
    channels.push(channel);
  }
  return { channels, partner };
}

async function answerOf(request: Promise<Response>): Promise<{ answer: Answer; response?: Response }> {
  try {
    const response = await request;
    return { answer: response.status, response };
  } catch (error) {
    const name = (error as Error).name;
    return { answer: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'refused' };
  }
}

/**
 * Webhooks at a steady rate (each a fresh inbound message, signed as Meta signs it) and, every `templateEvery`
 * webhooks, a template send; never waits for an answer before the next tick, as Meta and partners do not.
 */
export class SteadyLoad {
  /** wamid → ingress's answer */
  readonly webhooks = new Map<string, Answer>();
  /** template sends: the gateway's answer, and the wamid Meta (the simulator) gave an accepted one */
  readonly sends: { answer: Answer; wamid?: string; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private tick = 0;

  constructor(
    private readonly stack: TestStack,
    private readonly channels: ProvisionedChannel[],
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.fire(), 1000 / this.options.webhooksPerSecond);
  }

  /** Stops sending and waits for every answer. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private fire(): void {
    const channel = this.channels[this.tick % this.channels.length];
    this.tick += 1;
    const wamid = `wamid.${randomBytes(12).toString('base64url')}`;
    const body = metaFixtureFor('inbound-text.json', {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
      [FIXTURE_IDS.inboundWamid]: wamid,
    });
    this.webhooks.set(wamid, 'timeout');
    this.track(
      answerOf(
        fetch(`${this.stack.url('ingress')}/webhooks/whatsapp`, {
          method: 'POST',
          headers: metaHeaders(body, this.stack.appSecret),
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        }),
      ).then(async ({ answer, response }) => {
        await response?.arrayBuffer().catch(() => undefined);
        this.webhooks.set(wamid, answer);
      }),
    );
    if (this.options.templateEvery > 0 && this.tick % this.options.templateEvery === 0) this.send(channel);
  }

  private send(channel: ProvisionedChannel): void {
    const record: { answer: Answer; wamid?: string; at: number } = { answer: 'timeout', at: Date.now() };
    this.sends.push(record);
    const work = answerOf(
      fetch(`${this.stack.url('gateway')}/messages`, {
        method: 'POST',
        headers: { 'D360-API-KEY': channel.apiKey, 'content-type': 'application/json' },
        body: metaFixtureFor('send-template-request.json', {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      }),
    ).then(async ({ answer, response }) => {
      record.answer = answer;
      if (answer === 200 && response) {
        const { messages } = (await response.json()) as { messages: { id: string }[] };
        record.wamid = messages[0]?.id;
      } else {
        await response?.arrayBuffer().catch(() => undefined);
      }
    });
    this.track(work);
  }

  /** webhooks answered 200 */
  accepted(): string[] {
    return [...this.webhooks].filter(([, answer]) => answer === 200).map(([wamid]) => wamid);
  }

  /** how many answers of each kind, e.g. { 200: 812, 503: 14, refused: 30 } */
  answers(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const answer of this.webhooks.values()) counts[String(answer)] = (counts[String(answer)] ?? 0) + 1;
    return counts;
  }

  acceptedSends(): number {
    return this.sends.filter((send) => send.answer === 200).length;
  }
}

/** How often each wamid arrived at the partner. */
export function deliveredCounts(partner: PartnerServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of partner.received) {
    for (const wamid of new Set(request.body.toString('utf8').match(WAMID) ?? [])) counts.set(wamid, (counts.get(wamid) ?? 0) + 1);
  }
  return counts;
}

export interface Outcome {
  webhooks: number;
  accepted: number;
  lost: number;
  repeated: number;
  answers: Record<string, number>;
  sends: number;
  acceptedSends: number;
  metered: number;
}

/** Waits until every webhook answered 200 is at the partner (or the time is up); the lost ones are counted, not thrown. */
export async function settle(load: SteadyLoad, partner: PartnerServer, timeoutMs: number): Promise<{ lost: string[]; repeated: number }> {
  const accepted = load.accepted();
  const missing = () => {
    const delivered = deliveredCounts(partner);
    return accepted.filter((wamid) => !delivered.has(wamid));
  };
  await waitFor(() => missing().length === 0, { timeoutMs, intervalMs: 500, what: 'every accepted webhook at the partner' }).catch(() => undefined);
  const delivered = deliveredCounts(partner);
  const repeated = accepted.reduce((sum, wamid) => sum + Math.max(0, (delivered.get(wamid) ?? 0) - 1), 0);
  return { lost: missing(), repeated };
}

/** Template sends metered today for these channels' clients (metering's operator API). */
export async function meteredTemplateSends(stack: TestStack, channels: ProvisionedChannel[]): Promise<number> {
  const today = new Date().toISOString().slice(0, 10);
  let total = 0;
  for (const channel of channels) {
    const response = await fetch(`${stack.url('metering')}/admin/v1/usage?client_id=${channel.clientId}&from=${today}&to=${today}`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    if (response.status !== 200) throw new Error(`usage: ${response.status} ${await response.text()}`);
    total += ((await response.json()) as { totals: { template_sends: number } }).totals.template_sends;
  }
  return total;
}

/** Waits until metering shows `expected` template sends, then checks it stays there (no late double count). */
export async function settleMetering(stack: TestStack, channels: ProvisionedChannel[], expected: number, timeoutMs: number): Promise<number> {
  await waitFor(async () => (await meteredTemplateSends(stack, channels)) >= expected, { timeoutMs, intervalMs: 500, what: `${expected} metered template sends` }).catch(
    () => undefined,
  );
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return meteredTemplateSends(stack, channels);
}

/** The wamids metering recorded as counted template sends (its idempotency table; one row per wamid). */
export async function countedTemplateWamids(databaseUrl: string): Promise<Set<string>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ wamid: string }>("SELECT wamid FROM metering_dedupe WHERE kind = 'template_send'");
    return new Set(rows.map((row) => row.wamid));
  } finally {
    await client.end();
  }
}

/** How many sends the simulated Graph API (Meta) accepted for these channels. */
export async function sendsMetaAccepted(stack: TestStack, channels: ProvisionedChannel[]): Promise<number> {
  let total = 0;
  for (const channel of channels) {
    const response = await fetch(`${stack.url('wa-sim')}/sim/requests?phone_number_id=${channel.phoneNumberId}`);
    total += ((await response.json()) as { requests: unknown[] }).requests.length;
  }
  return total;
}

export function report(title: string, outcome: Outcome): string {
  const other = Object.entries(outcome.answers)
    .filter(([answer]) => answer !== '200')
    .map(([answer, count]) => `${answer}×${count}`)
    .join(', ');
  return (
    `${title}: webhooks ${outcome.webhooks}, answered 200 ${outcome.accepted}, lost ${outcome.lost}, repeated ${outcome.repeated}, ` +
    `non-200 answers ${outcome.webhooks - outcome.accepted}${other ? ` (${other})` : ''}; template sends ${outcome.sends}, accepted ` +
    `${outcome.acceptedSends}, metered ${outcome.metered}`
  );
}
