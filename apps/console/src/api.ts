// The console's calls to /console/api: same-origin, cookie-authenticated, every change carrying the
// session's CSRF token. A 401 sends the user to sign-in.

export type Role = 'operator' | 'client';

export interface User {
  id: string;
  email: string;
  role: Role;
  client_id: string | null;
  client_name: string | null;
}

export interface Session {
  user: User;
  csrf_token: string;
}

export interface Channel {
  id: string;
  client_id: string;
  client_name: string;
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
  created_at: string;
  bound: boolean;
  webhook_host: string | null;
  webhook_disabled_at: string | null;
  key_issued_at: string | null;
  delivery: { health: 'healthy' | 'failing' | 'disabled' | 'unbound'; retrying: number; dead_last_24h: number; last_failure_at: string | null };
}

export interface ClientRow {
  id: string;
  name: string;
  created_at: string;
  channels: number;
}

export interface Delivery {
  event_id: string;
  destination: string;
  channel_id: string | null;
  state: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  next_attempt_at: string | null;
  received_at: string;
  updated_at: string;
}

export interface UsageReport {
  client_id: string;
  from: string;
  to: string;
  group_by: string;
  rows: Record<string, string | number>[];
  totals: { template_sends: number; priced_messages: number };
}

export interface Health {
  services: { name: string; ready: boolean; consumer_lag: number | null; error?: string }[];
  retry_depth: number | null;
  dead_letters: number;
  delivery: { success_ratio: number | null; attempts: number; window_minutes: number | null };
  checked_at: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onSignedOut: () => void = () => undefined;

export function setSession(session: Session | undefined): void {
  csrfToken = session?.csrf_token;
}

export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown, options: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`/console/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    if (response.status === 401 && !options.quiet401) onSignedOut();
    const message = (parsed as { error?: unknown } | undefined)?.error;
    throw new ApiError(response.status, typeof message === 'string' ? message : `request failed (${response.status})`);
  }
  return parsed as T;
}

export const query = (params: Record<string, string | undefined>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  return text ? `?${text}` : '';
};
