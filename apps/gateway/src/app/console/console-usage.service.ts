import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { apiError } from '../errors/api-exception';

const FETCH_TIMEOUT_MS = 10_000;

export interface MeteringReply {
  status: number;
  contentType: string;
  contentDisposition: string | null;
  body: string;
}

/**
 * Usage and statements come from metering's own API (GET /admin/v1/usage and
 * /admin/v1/usage/statements), called server-side with the operator token; the console only decides
 * which client a user may ask about. Metering stays the one place that knows how counts are reported.
 */
@Injectable()
export class ConsoleUsageService {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  usage(query: { client_id: string; from?: string; to?: string; group_by: string }): Promise<MeteringReply> {
    const params = new URLSearchParams({ client_id: query.client_id, group_by: query.group_by });
    if (query.from) params.set('from', query.from);
    if (query.to) params.set('to', query.to);
    return this.get(`/admin/v1/usage?${params.toString()}`);
  }

  statement(clientId: string, period: string, format: 'json' | 'csv'): Promise<MeteringReply> {
    return this.get(`/admin/v1/usage/statements/${encodeURIComponent(clientId)}/${encodeURIComponent(period)}?format=${format}`);
  }

  private async get(path: string): Promise<MeteringReply> {
    const base = this.config.console.meteringUrl;
    if (!base) throw apiError(503, 'usage is not available: METERING_URL is not set');
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${this.config.adminToken}` },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        redirect: 'manual',
      });
    } catch {
      throw apiError(502, 'metering did not answer');
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'application/json',
      contentDisposition: response.headers.get('content-disposition'),
      body: await response.text(),
    };
  }
}
