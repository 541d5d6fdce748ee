import { createHash } from 'node:crypto';
import { toMetaJsonBytes } from '@wabridge/contracts';
import { isObject } from '@wabridge/util';

/** One change of a Meta webhook, ready to be published as one record. */
export interface SplitChange {
  eventId: string;
  /** the Kafka key: the phone_number_id, or `waba:<id>` for account-level changes that have none */
  key: string;
  phoneNumberId: string | null;
  wabaId: string;
  field: string;
  value: Buffer;
}

export type SplitResult = { ok: true; changes: SplitChange[] } | { ok: false; reason: string };

interface RawChange {
  field?: unknown;
  value?: { metadata?: { phone_number_id?: unknown } };
}

/**
 * A stable event id: the same change re-sent by Meta (after a lost 200) gets the same id, so the
 * partner's `webhook-id` dedupe works across Meta's own retries too.
 */
function eventIdOf(wabaId: string, bytes: Buffer): string {
  return 'evt_' + createHash('sha256').update(wabaId).update('\0').update(bytes).digest('base64url').slice(0, 32);
}

/**
 * Splits a verified Meta webhook into one envelope per change. When the request held exactly one
 * change its bytes are kept exactly as Meta sent them; otherwise each change is wrapped in an
 * envelope of its own, written in Meta's wire encoding (ASCII only, `\/`), so receivers that verify
 * Meta's signature over the escaped body accept it as they accept Meta's own. Returns a reason when the body is not a Meta webhook envelope.
 */
export function splitEnvelope(raw: Buffer, parsed: unknown): SplitResult {
  if (!isObject(parsed)) return { ok: false, reason: 'body is not a JSON object' };
  const { object, entry } = parsed;
  if (typeof object !== 'string') return { ok: false, reason: 'object is missing' };
  if (!Array.isArray(entry) || entry.length === 0) return { ok: false, reason: 'entry is missing or empty' };

  const flat: { wabaId: string; change: RawChange }[] = [];
  for (const item of entry) {
    if (!isObject(item) || typeof item.id !== 'string' || !Array.isArray(item.changes)) {
      return { ok: false, reason: 'entry item without id or changes' };
    }
    for (const change of item.changes as unknown[]) {
      if (!isObject(change) || typeof change.field !== 'string' || !isObject(change.value)) {
        return { ok: false, reason: 'change without field or value' };
      }
      flat.push({ wabaId: item.id, change });
    }
  }
  if (flat.length === 0) return { ok: false, reason: 'no changes' };

  const single = flat.length === 1;
  const changes = flat.map(({ wabaId, change }): SplitChange => {
    const phone = change.value?.metadata?.phone_number_id;
    const phoneNumberId = typeof phone === 'string' && phone.length > 0 ? phone : null;
    const value = single ? raw : toMetaJsonBytes({ object, entry: [{ id: wabaId, changes: [change] }] });
    return {
      eventId: eventIdOf(wabaId, value),
      key: phoneNumberId ?? `waba:${wabaId}`,
      phoneNumberId,
      wabaId,
      field: String(change.field),
      value,
    };
  });
  return { ok: true, changes };
}
