/**
 * Which changes a partner destination receives (`events` on a binding). Values are Meta's webhook
 * change fields and, inside `messages`, `messages.inbound` (messages from users) and
 * `messages.statuses` (sent/delivered/read/failed). No filter (null) means everything.
 */
export const META_CHANGE_FIELDS = [
  'messages',
  'message_template_status_update',
  'message_template_quality_update',
  'message_template_components_update',
  'template_category_update',
  'account_update',
  'account_alerts',
  'account_review_update',
  'business_capability_update',
  'business_status_update',
  'phone_number_name_update',
  'phone_number_quality_update',
  'security',
  'flows',
  'calls',
  'history',
  'message_echoes',
  'smb_app_state_sync',
  'smb_message_echoes',
  'user_preferences',
  'partner_solutions',
  'payment_configuration_update',
  'automatic_events',
  'tracking_events',
] as const;

export const MESSAGE_EVENT_KINDS = ['messages.inbound', 'messages.statuses'] as const;

/** Every value `events` accepts. */
export const EVENT_FILTER_VALUES: readonly string[] = [...META_CHANGE_FIELDS, ...MESSAGE_EVENT_KINDS];

export type MessageKind = 'inbound' | 'statuses';

/** What a `messages` change carries: user messages, statuses, or (errors only) neither. */
export function messageKindsOf(envelope: unknown): Set<MessageKind> {
  const kinds = new Set<MessageKind>();
  const entries = (envelope as { entry?: unknown } | null)?.entry;
  if (!Array.isArray(entries)) return kinds;
  for (const entry of entries) {
    const changes = (entry as { changes?: unknown } | null)?.changes;
    if (!Array.isArray(changes)) continue;
    for (const change of changes) {
      const value = (change as { value?: { messages?: unknown; statuses?: unknown } } | null)?.value;
      if (Array.isArray(value?.messages) && value.messages.length > 0) kinds.add('inbound');
      if (Array.isArray(value?.statuses) && value.statuses.length > 0) kinds.add('statuses');
    }
  }
  return kinds;
}

/**
 * Whether a destination with the filter `events` wants a change of `field`. `kinds` is asked only for
 * a `messages` change and only when the filter names `messages.inbound` or `messages.statuses` alone,
 * so the body is read only then. A change without a known field, or a `messages` change carrying
 * neither messages nor statuses (errors only), goes to every destination that asked for messages.
 */
export function wantsChange(events: readonly string[] | null, field: string | null, kinds: () => ReadonlySet<MessageKind>): boolean {
  if (events === null || field === null) return true;
  if (field !== 'messages') return events.includes(field);
  if (events.includes('messages')) return true;
  const inbound = events.includes('messages.inbound');
  const statuses = events.includes('messages.statuses');
  if (!inbound && !statuses) return false;
  const carried = kinds();
  if (carried.size === 0) return true;
  return (inbound && carried.has('inbound')) || (statuses && carried.has('statuses'));
}

/** The `events` of a request: null when absent, else the deduplicated values, or why they are refused. */
export function parseEventFilter(value: unknown): { ok: true; events: string[] | null } | { ok: false; error: string } {
  if (value === undefined || value === null) return { ok: true, events: null };
  const allowed = `allowed values: ${EVENT_FILTER_VALUES.join(', ')}`;
  if (!Array.isArray(value) || value.length === 0) {
    return { ok: false, error: `events must be a non-empty array (omit it to receive everything); ${allowed}` };
  }
  const unknown = value.filter((item) => typeof item !== 'string' || !EVENT_FILTER_VALUES.includes(item));
  if (unknown.length > 0) {
    return { ok: false, error: `events has unknown value(s) ${unknown.map((item) => JSON.stringify(item)).join(', ')}; ${allowed}` };
  }
  return { ok: true, events: [...new Set(value as string[])] };
}
