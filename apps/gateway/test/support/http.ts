// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** an object is sent as JSON; a string or Buffer as is */
  body?: unknown;
}

/** One HTTP call to a service under test; the answer is parsed as JSON when it is JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see HttpAnswer
export async function call<T = any>(method: string, url: string, options: CallOptions = {}): Promise<HttpAnswer<T>> {
  const raw = options.body;
  const isRaw = typeof raw === 'string' || Buffer.isBuffer(raw);
  const payload: string | Buffer | undefined = typeof raw === 'string' || Buffer.isBuffer(raw) ? raw : raw === undefined ? undefined : JSON.stringify(raw);
  const response = await fetch(url, {
    method,
    headers: {
      ...(raw !== undefined && !isRaw ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: payload,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: tests assert on `text`
  }
  return { status: response.status, headers: response.headers, text, body: body as T };
}

export const partnerKey = (apiKey: string) => ({ 'D360-API-KEY': apiKey });
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
