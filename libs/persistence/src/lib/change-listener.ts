import { Client } from 'pg';

/** Notification channels raised by the binding-change triggers (migration 1764094500000). */
export const ChangeChannels = {
  /** payload: the channel id whose destinations changed */
  destinations: 'wabridge_destinations',
  /** payload: the phone_number_id of a channel that was created, changed or removed */
  channels: 'wabridge_channels',
} as const;

export interface ChangeListenerOptions {
  url: string;
  channels: string[];
  onChange: (channel: string, payload: string) => void;
  /** called after every (re)connect: notifications may have been missed, so drop everything cached */
  onReset: () => void;
  onError?: (error: unknown) => void;
  retryMs?: number;
}

/**
 * LISTENs on PostgreSQL notification channels over one dedicated connection, reconnecting after a
 * failure. Caches invalidated by it see a committed change within milliseconds on every instance.
 */
export class ChangeListener {
  private client: Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ChangeListenerOptions) {}

  start(): Promise<void> {
    this.stopped = false;
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.options.url, application_name: 'wabridge-change-listener' });
    client.on('notification', (message) => this.options.onChange(message.channel, message.payload ?? ''));
    client.on('error', (error) => this.retry(error));
    client.on('end', () => this.retry(new Error('change listener connection ended')));
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      this.client = client;
      this.options.onReset();
    } catch (error) {
      await client.end().catch(() => undefined);
      this.retry(error);
    }
  }

  private retry(error: unknown): void {
    if (this.stopped) return;
    this.options.onError?.(error);
    this.client = undefined;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), this.options.retryMs ?? 1000);
  }
}
