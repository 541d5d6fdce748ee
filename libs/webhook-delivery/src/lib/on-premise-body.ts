import { toMetaJsonBytes } from '@wabridge/contracts';
import { isObject } from '@wabridge/util';

/** The four arrays an on-premise API webhook carried at its top level. */
const ON_PREMISE_KEYS = ['contacts', 'messages', 'statuses', 'errors'] as const;

type OnPremiseKey = (typeof ON_PREMISE_KEYS)[number];

/**
 * A Cloud API webhook in the on-premise shape, for legacy clients: the `contacts`, `messages`,
 * `statuses` and `errors` of every `messages` change, concatenated at the top level (keys that none
 * carries are left out). Null when the body has no such content — not JSON, not a WhatsApp envelope,
 * or only other fields such as template or account updates, which had no on-premise form: those are
 * delivered as Meta sent them. Written in Meta's wire encoding, as Meta's own bodies are.
 */
export function toOnPremiseBody(body: Buffer): Buffer | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isObject(parsed) || !Array.isArray(parsed.entry)) return null;
  const collected: Partial<Record<OnPremiseKey, unknown[]>> = {};
  for (const entry of parsed.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes) {
      if (!isObject(change) || change.field !== 'messages' || !isObject(change.value)) continue;
      for (const key of ON_PREMISE_KEYS) {
        const items: unknown = change.value[key];
        if (Array.isArray(items)) (collected[key] ??= []).push(...(items as unknown[]));
      }
    }
  }
  if (Object.keys(collected).length === 0) return null;
  const shaped: Record<string, unknown[]> = {};
  // a stable key order, as the on-premise API wrote them
  for (const key of ON_PREMISE_KEYS) if (collected[key]) shaped[key] = collected[key];
  return toMetaJsonBytes(shaped);
}
