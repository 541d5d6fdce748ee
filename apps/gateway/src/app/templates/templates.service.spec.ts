import type { PinoLogger } from 'nestjs-pino';
import type { GatewayConfig } from '../../config/gateway.config';
import type { PartnerChannel } from '../auth/partner-auth.service';
import type { GraphApiClient, UpstreamResult } from '../graph/graph-api.client';
import { TemplatesService } from './templates.service';

const channel = { wabaId: '102290129340398', channelId: 'c1' } as PartnerChannel;
const config = { publicUrl: 'https://api.wabridge.example', graphApi: { version: 'v21.0' } } as GatewayConfig;
const logger = { setContext: () => undefined, warn: () => undefined } as unknown as PinoLogger;
const json = (status: number, body: unknown): UpstreamResult => ({
  kind: 'response',
  status,
  contentType: 'application/json',
  body: Buffer.from(JSON.stringify(body)),
});

/** A Graph stand-in serving `count` templates in cursor pages, recording the paths asked for. */
function graph(count: number, failAt?: number) {
  const paths: string[] = [];
  const client = {
    path: (id: string, edge?: string) => `/v21.0/${id}${edge ? `/${edge}` : ''}`,
    call: (_method: string, path: string) => {
      if (path.endsWith('?fields=message_template_namespace'))
        return Promise.resolve(json(200, { message_template_namespace: 'c8ae5f90_307a', id: channel.wabaId }));
      paths.push(path);
      if (failAt !== undefined && paths.length === failAt) return Promise.resolve(json(500, { error: { code: 1, message: 'boom' } }));
      const query = new URL(`http://x${path}`).searchParams;
      const limit = Number(query.get('limit'));
      const start = query.get('after') ? Number(query.get('after')) + 1 : 0;
      const data = Array.from({ length: Math.max(0, Math.min(limit, count - start)) }, (_, i) => ({
        name: `t${String(start + i).padStart(4, '0')}`,
        language: 'en',
        status: 'APPROVED',
      }));
      const last = start + data.length - 1;
      return Promise.resolve(
        json(200, {
          data,
          paging: { cursors: { after: String(last) }, ...(last + 1 < count ? { next: `https://graph.facebook.com${path}&after=${last}&access_token=t` } : {}) },
        }),
      );
    },
  } as unknown as GraphApiClient;
  return { client, paths };
}

describe('TemplatesService', () => {
  it('reads every Graph page to answer an offset page with an exact total', async () => {
    const { client, paths } = graph(600);
    const service = new TemplatesService(config, client, logger);
    const answer = await service.wabaList(channel, { limit: 10, offset: 590, filters: {}, sort: ['business_templates.name'] });
    expect(answer).toMatchObject({ kind: 'list', body: { count: 10, total: 600, offset: 590, limit: 10 } });
    // every entry carries the WABA's namespace, as 360dialog's list does
    expect((answer as unknown as { body: { waba_templates: unknown[] } }).body.waba_templates[0]).toMatchObject({ name: 't0590', namespace: 'c8ae5f90_307a' });
    expect(paths).toHaveLength(3);
    expect(paths[0]).toMatch(/^\/v21\.0\/102290129340398\/message_templates\?limit=250&fields=/);
    expect(paths[1]).toContain('after=249');
  });

  it('relays a failing Graph page as it came', async () => {
    const { client } = graph(600, 2);
    const answer = await new TemplatesService(config, client, logger).wabaList(channel, { limit: 10, offset: 0, filters: {}, sort: [] });
    expect(answer).toMatchObject({ kind: 'upstream', result: { kind: 'response', status: 500 } });
  });

  it('rewrites Graph paging links to the gateway', async () => {
    const { client } = graph(5);
    const result = await new TemplatesService(config, client, logger).graphList(channel, { limit: '2' });
    expect(result.kind).toBe('response');
    const body = JSON.parse((result as { body: Buffer }).body.toString());
    expect(body.paging.next).toBe('https://api.wabridge.example/message_templates?limit=2&after=1');
  });
});
