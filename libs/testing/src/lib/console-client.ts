/** A console user's HTTP session against the real gateway: the session cookie and the CSRF token, as a browser holds them. */
export class ConsoleClient {
  cookie: string | undefined;
  csrfToken: string | undefined;

  constructor(readonly gatewayUrl: string) {}

  /** Creates a console invite with the operator token (the bootstrap path) and returns its link's token. */
  static async invite(gatewayUrl: string, adminToken: string, body: Record<string, unknown>): Promise<{ token: string; link: string; status: number }> {
    const response = await fetch(`${gatewayUrl}/admin/v1/console/invites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { link?: string };
    const link = json.link ?? '';
    return { status: response.status, link, token: link.split('#/invite/')[1] ?? '' };
  }

  /** Accepts an invite with a password and signs in with it. */
  static async join(gatewayUrl: string, token: string, email: string, password: string): Promise<ConsoleClient> {
    const client = new ConsoleClient(gatewayUrl);
    const accepted = await client.call('POST', '/invites/accept', { token, password });
    if (accepted.status !== 201) throw new Error(`accept invite: ${accepted.status} ${JSON.stringify(accepted.body)}`);
    const signedIn = await client.signIn(email, password);
    if (signedIn.status !== 200) throw new Error(`sign in: ${signedIn.status} ${JSON.stringify(signedIn.body)}`);
    return client;
  }

  async signIn(email: string, password: string) {
    const result = await this.call('POST', '/sign-in', { email, password });
    if (result.status === 200) {
      this.cookie = result.setCookie?.split(';')[0];
      this.csrfToken = (result.body as { csrf_token: string }).csrf_token;
    }
    return result;
  }

  /** A call to /console/api; changes carry the CSRF token unless `csrf` is false or a string to send instead. */
  async call(method: string, path: string, body?: unknown, options: { csrf?: boolean | string } = {}) {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const csrf = options.csrf ?? true;
    if (method !== 'GET' && csrf !== false) {
      const token = typeof csrf === 'string' ? csrf : this.csrfToken;
      if (token) headers['x-csrf-token'] = token;
    }
    const response = await fetch(`${this.gatewayUrl}/console/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // CSV and other text stay text
    }
    return {
      status: response.status,
      body: parsed as Record<string, unknown>,
      headers: response.headers,
      setCookie: response.headers.get('set-cookie') ?? undefined,
    };
  }
}
