// A reproducible mix of template sends and Meta statuses for metering's fault test, and what an
// exact meter must make of it, computed here independently of the service's code.
import type { OutgoingRecord } from '@wabridge/kafka';
import type { TestChannel } from './metering-test-kit';

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type StatusName = 'sent' | 'delivered' | 'read' | 'failed';

interface Status {
  wamid: string;
  status: StatusName;
  at: number;
  pricing?: Record<string, unknown>;
}

interface Message {
  wamid: string;
  channel: TestChannel;
  type: 'template' | 'text';
  template?: { name: string; language: string };
  acceptedAt: number;
  statuses: Status[];
  /** what an exact meter must bucket it under, null when it is not priced */
  priced: { category: string; pricingType: string } | null;
}

export interface TrafficRecord {
  topic: 'outbound' | 'webhooks';
  record: OutgoingRecord;
  /** the messages the record is about: one send, or the statuses in one webhook */
  wamids: string[];
}

export interface Traffic {
  records: TrafficRecord[];
  /** (client, day, channel, template, language) → template sends, the key joined by '|' */
  templateCounts: Map<string, number>;
  /** (client, day, channel, category, pricing type) → priced messages, the key joined by '|' */
  pricedCounts: Map<string, number>;
  /** dedupe keys an exact meter holds afterwards */
  dedupeKeys: number;
  /** messages with a status record produced before their send record */
  statusesBeforeSend: number;
  duplicates: number;
}

const TEMPLATES = [
  { name: 'order_update', category: 'utility' },
  { name: 'otp_login', category: 'authentication' },
  { name: 'summer_promo', category: 'marketing' },
  { name: 'shipping_notice', category: 'utility' },
];
const LANGUAGES = ['en_US', 'de', 'pt_BR'];
/** 2024-06-10T00:00:00Z: five days from here on */
const FIRST_DAY = Date.UTC(2024, 5, 10);
const DAY_MS = 86_400_000;

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface TrafficOptions {
  channels: TestChannel[];
  templateSends: number;
  textSends: number;
  /** share of records produced twice */
  duplicateShare: number;
  prefix: string;
  seed: number;
}

/**
 * Template sends (counted once each) and text sends (never), with their `sent` / `delivered` /
 * `read` statuses — priced per message model, legacy `billable`, some never read, some `failed`
 * without pricing — several statuses sometimes in one webhook, some records twice, all shuffled.
 * A message's statuses share its UTC day and pricing, as Meta's do, so the buckets an exact meter
 * fills do not depend on which of its statuses arrives first.
 */
export function buildTraffic(options: TrafficOptions): Traffic {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const messages: Message[] = [];

  for (let i = 0; i < options.templateSends + options.textSends; i += 1) {
    const isTemplate = i < options.templateSends;
    const channel = pick(options.channels);
    // before 23:00 so that every status, up to 10 minutes later, falls on the same UTC day
    const acceptedAt = FIRST_DAY + Math.floor(random() * 5) * DAY_MS + Math.floor(random() * 23 * 3_600_000);
    const wamid = `wamid.${options.prefix}-${i}`;
    const template = isTemplate ? pick(TEMPLATES) : undefined;
    let priced: Message['priced'];
    let pricing: Record<string, unknown> | undefined;
    const fate = random();
    if (fate < 0.05) {
      priced = null;
    } else if (!template) {
      priced = { category: 'service', pricingType: 'free_customer_service' };
      pricing = { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' };
    } else if (fate < 0.15) {
      priced = { category: template.category, pricingType: 'billable' };
      pricing = { billable: true, pricing_model: 'CBP', category: template.category };
    } else {
      priced = { category: template.category, pricingType: 'regular' };
      pricing = { billable: true, pricing_model: 'PMP', type: 'regular', category: template.category };
    }
    const names: StatusName[] = priced === null ? ['failed'] : fate < 0.3 ? ['sent', 'delivered'] : ['sent', 'delivered', 'read'];
    const statuses = names.map((status, n) => ({
      wamid,
      status,
      at: acceptedAt + 1000 + n * Math.floor(random() * 200_000),
      ...(pricing ? { pricing } : {}),
    }));
    messages.push({
      wamid,
      channel,
      type: isTemplate ? 'template' : 'text',
      template: template ? { name: template.name, language: pick(LANGUAGES) } : undefined,
      acceptedAt,
      statuses,
      priced,
    });
  }

  const records: TrafficRecord[] = [];
  for (const message of messages) {
    records.push({
      topic: 'outbound',
      wamids: [message.wamid],
      record: {
        key: message.channel.phoneNumberId,
        value: JSON.stringify({
          wamid: message.wamid,
          phone_number_id: message.channel.phoneNumberId,
          channel_id: message.channel.channelId,
          client_id: message.channel.clientId,
          type: message.type,
          ...(message.template ? { template: message.template } : {}),
          accepted_at: new Date(message.acceptedAt).toISOString(),
        }),
      },
    });
  }
  // Statuses per channel, shuffled, then packed one per webhook or, now and then, three at once.
  for (const channel of options.channels) {
    const statuses = shuffle(
      messages.filter((m) => m.channel === channel).flatMap((m) => m.statuses),
      random,
    );
    for (let i = 0; i < statuses.length;) {
      const size = random() < 0.1 ? 3 : 1;
      const packed = statuses.slice(i, i + size);
      i += size;
      records.push({ topic: 'webhooks', wamids: packed.map((s) => s.wamid), record: statusWebhook(channel, packed) });
    }
  }
  const originals = records.length;
  const duplicates = Math.round(originals * options.duplicateShare);
  for (let i = 0; i < duplicates; i += 1) records.push(records[Math.floor(random() * originals)]);
  const shuffled = shuffle(records, random);

  const sentAt = new Map<string, number>();
  const firstStatusAt = new Map<string, number>();
  shuffled.forEach((item, position) => {
    for (const wamid of item.wamids) {
      const seen = item.topic === 'outbound' ? sentAt : firstStatusAt;
      if (!seen.has(wamid)) seen.set(wamid, position);
    }
  });
  let statusesBeforeSend = 0;
  for (const [wamid, position] of firstStatusAt) if (position < (sentAt.get(wamid) ?? Infinity)) statusesBeforeSend += 1;

  const templateCounts = new Map<string, number>();
  const pricedCounts = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string[]) => map.set(key.join('|'), (map.get(key.join('|')) ?? 0) + 1);
  for (const message of messages) {
    const { clientId, channelId } = message.channel;
    const day = utcDay(message.acceptedAt);
    if (message.template) bump(templateCounts, [clientId, day, channelId, message.template.name, message.template.language]);
    if (message.priced) bump(pricedCounts, [clientId, day, channelId, message.priced.category, message.priced.pricingType]);
  }
  const dedupeKeys = messages.filter((m) => m.template).length + messages.filter((m) => m.priced).length;
  return { records: shuffled, templateCounts, pricedCounts, dedupeKeys, statusesBeforeSend, duplicates };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

function statusWebhook(channel: TestChannel, statuses: Status[]): OutgoingRecord {
  const envelope = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: channel.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: channel.phoneNumberId },
              statuses: statuses.map((s) => ({
                id: s.wamid,
                status: s.status,
                timestamp: String(Math.floor(s.at / 1000)),
                recipient_id: '15550009999',
                ...(s.pricing ? { pricing: s.pricing } : {}),
                ...(s.status === 'failed' ? { errors: [{ code: 131047, title: 'Re-engagement message' }] } : {}),
              })),
            },
          },
        ],
      },
    ],
  };
  return { key: channel.phoneNumberId, value: JSON.stringify(envelope) };
}
