import { Injectable } from '@nestjs/common';
import { ClientsRepository } from '../data/clients.repository';
import { DeliveriesRepository } from '../data/deliveries.repository';
import { apiError } from '../errors/api-exception';
import { OperatorService, type ChannelStatusView } from '../operator/operator.service';
import type { ConsoleUser } from './accounts.service';
import { ConsoleDataRepository } from './console-data.repository';

/** A number as the console shows it: never a key, never a URL beyond its host, never who holds the key. */
export interface ConsoleChannel extends ChannelStatusView {
  client_name: string;
  key_issued_at: string | null;
  delivery: {
    /** healthy | failing (retries waiting or dead letters in 24 h) | disabled (410 Gone) | unbound */
    health: 'healthy' | 'failing' | 'disabled' | 'unbound';
    retrying: number;
    dead_last_24h: number;
    last_failure_at: string | null;
  };
}

const MAX_CHANNELS = 500;

/** What the console reads beyond the operator API: clients, and per number its key date and delivery health. */
@Injectable()
export class ConsoleDataService {
  constructor(
    private readonly operator: OperatorService,
    private readonly clientsRepository: ClientsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly repository: ConsoleDataRepository,
  ) {}

  async clients(): Promise<{ id: string; name: string; created_at: string; channels: number }[]> {
    const rows = await this.clientsRepository.withChannelCounts();
    return rows.map((row) => ({ ...row, created_at: row.created_at.toISOString() }));
  }

  /** Client users see their own client's numbers whatever they ask for; operators any client's, or all. */
  async channels(user: ConsoleUser, clientId?: string): Promise<ConsoleChannel[]> {
    if (user.role === 'client' && clientId !== undefined && clientId !== user.client_id) throw apiError(403, 'not your client');
    const scope = user.role === 'client' ? (user.client_id ?? undefined) : clientId;
    const views: ChannelStatusView[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.operator.listChannels({ cursor, limit: 200, client_id: scope });
      views.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor && views.length < MAX_CHANNELS);
    return this.withHealth(views);
  }

  /** One number, if the user may see it: 404 when unknown, 403 when another client's. */
  async channel(user: ConsoleUser, channelId: string): Promise<ConsoleChannel> {
    const view = await this.operator.getChannel(channelId);
    if (user.role === 'client' && view.client_id !== user.client_id) throw apiError(403, 'not your client');
    const [channel] = await this.withHealth([view]);
    return channel;
  }

  /**
   * Every client's totals over a range of UTC days, for the operator's overview. Read straight from
   * metering's count tables (a plain sum); a client's detailed report and statement still come from
   * metering's API.
   */
  async usageSummary(from: string, to: string): Promise<{ client_id: string; name: string; template_sends: number; priced_messages: number }[]> {
    const rows = await this.repository.usageTotals(from, to);
    return rows.map((row) => ({ ...row, template_sends: Number(row.template_sends), priced_messages: Number(row.priced_messages) }));
  }

  async deadLetterCount(): Promise<number> {
    return this.deliveries.countDead();
  }

  private async withHealth(views: ChannelStatusView[]): Promise<ConsoleChannel[]> {
    if (views.length === 0) return [];
    const rows = await this.repository.channelExtras(views.map((view) => view.id));
    const extras = new Map(rows.map((row) => [row.id, row]));
    return views.map((view) => {
      const extra = extras.get(view.id);
      const retrying = extra?.retrying ?? 0;
      const dead = extra?.dead_last_24h ?? 0;
      const health = !view.bound ? 'unbound' : view.webhook_disabled_at ? 'disabled' : retrying > 0 || dead > 0 ? 'failing' : 'healthy';
      return {
        ...view,
        client_name: extra?.client_name ?? '',
        key_issued_at: extra?.key_issued_at ? extra.key_issued_at.toISOString() : null,
        delivery: { health, retrying, dead_last_24h: dead, last_failure_at: extra?.last_failure_at ? extra.last_failure_at.toISOString() : null },
      };
    });
  }
}
