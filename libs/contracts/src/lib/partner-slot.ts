/**
 * Partner slots: a channel may serve several partners at once, each through its own key and its own
 * webhook destinations. A slot is an anonymous label the client chooses (`1`, `2`, `chatbot`…);
 * wabridge never records which partner holds it. A channel with one slot uses the label `1`, and
 * everything behaves as before slots existed.
 */
export const DEFAULT_PARTNER_SLOT = '1';

/** A slot label: 1 to 32 letters, digits, `-` or `_`, starting with a letter or digit. */
export const PARTNER_SLOT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

export function isPartnerSlot(value: unknown): value is string {
  return typeof value === 'string' && PARTNER_SLOT_PATTERN.test(value);
}

/**
 * Between a slot label and a destination name in a destination key. Destination names are printable
 * ASCII and slot labels are narrower still, so this character can occur in neither: a key always
 * splits back into exactly one slot and one name.
 */
export const SLOT_SEPARATOR = '\u203a';

/**
 * The key under which the router knows a destination of a channel — in retry and parking records
 * (the `destination` header), dead letters, partner.deliveries.v1, the deliveries table and the
 * per-destination stats: the destination's name (`primary` or a /multi_webhook name) in slot `1`,
 * `<slot>›<name>` in any other slot. Slot `1` keys are the names alone, so records written before
 * slots existed still name the same destination.
 */
export function slotDestination(slot: string, name: string): string {
  return slot === DEFAULT_PARTNER_SLOT ? name : `${slot}${SLOT_SEPARATOR}${name}`;
}

/** The slot and the destination name a key names (see slotDestination). */
export function splitSlotDestination(key: string): { slot: string; name: string } {
  const at = key.indexOf(SLOT_SEPARATOR);
  return at < 0 ? { slot: DEFAULT_PARTNER_SLOT, name: key } : { slot: key.slice(0, at), name: key.slice(at + SLOT_SEPARATOR.length) };
}

/**
 * The prefix every destination key of a slot starts with; for slot `1` the empty string (its keys are
 * the keys that contain no SLOT_SEPARATOR at all).
 */
export function slotKeyPrefix(slot: string): string {
  return slot === DEFAULT_PARTNER_SLOT ? '' : `${slot}${SLOT_SEPARATOR}`;
}
