import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { isObject, type JsonObject } from '@wabridge/util';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { GraphApiClient, type UpstreamResult } from '../graph/graph-api.client';
import { isSuccess, parseJsonOrUndefined } from '../graph/upstream-reply';
import { graphListQuery, rewritePaging, wabaTemplatesPage, type WabaListQuery } from './waba-templates';

/** Graph pages fetched to build one offset-paginated /v1 list; Meta caps a WABA far below this. */
const PAGE_SIZE = 250;
const MAX_PAGES = 40;
const TEMPLATE_FIELDS = 'id,name,language,status,category,components,rejected_reason,quality_score,parameter_format';

export type TemplateListResult = { kind: 'list'; body: JsonObject } | { kind: 'upstream'; result: UpstreamResult };

/** The templates of the key's WABA, through Meta's `/{waba_id}/message_templates`. */
@Injectable()
export class TemplatesService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly graph: GraphApiClient,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(TemplatesService.name);
  }

  /**
   * Graph's own list, one page, its paging links pointing back at the gateway: at `path`, the path
   * the partner called, with `extra` (its own `access_token`) added.
   */
  async graphList(channel: PartnerChannel, query: Record<string, unknown>, path = '/message_templates', extra?: URLSearchParams): Promise<UpstreamResult> {
    const params = graphListQuery(query);
    const result = await this.graph.call('GET', this.withQuery(this.graph.path(channel.wabaId, 'message_templates'), params));
    if (!isSuccess(result)) return result;
    const body = parseJsonOrUndefined(result.body);
    if (body === undefined) return result;
    return {
      ...result,
      contentType: 'application/json; charset=utf-8',
      body: Buffer.from(JSON.stringify(rewritePaging(body, this.config.publicUrl, path, extra))),
    };
  }

  /**
   * 360dialog's offset-paginated list over Meta's cursors: every template of the WABA is read, then
   * filtered, sorted and sliced, so `total` is exact. A failing Graph page is relayed as it came.
   */
  async wabaList(channel: PartnerChannel, query: WabaListQuery): Promise<TemplateListResult> {
    const templates: JsonObject[] = [];
    const namespace = this.namespace(channel);
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE), fields: TEMPLATE_FIELDS });
      if (after) params.set('after', after);
      const result = await this.graph.call('GET', this.withQuery(this.graph.path(channel.wabaId, 'message_templates'), params));
      if (!isSuccess(result)) return { kind: 'upstream', result };
      const body = parseJsonOrUndefined(result.body);
      // not Graph's list shape: nothing usable came back
      if (!isObject(body) || !Array.isArray(body.data)) return { kind: 'upstream', result: { kind: 'unreachable' } };
      templates.push(...body.data.filter(isObject));
      const paging = isObject(body.paging) ? body.paging : {};
      const cursors = isObject(paging.cursors) ? paging.cursors : {};
      if (typeof paging.next !== 'string' || typeof cursors.after !== 'string')
        return { kind: 'list', body: wabaTemplatesPage(templates, query, await namespace) };
      after = cursors.after;
    }
    this.logger.warn({ channel_id: channel.channelId, templates: templates.length }, 'template list truncated');
    return { kind: 'list', body: wabaTemplatesPage(templates, query, await namespace) };
  }

  /** The WABA's template namespace, which 360dialog's list carries on every entry; null if Meta does not say. */
  private async namespace(channel: PartnerChannel): Promise<string | null> {
    const result = await this.graph.call('GET', `${this.graph.path(channel.wabaId)}?fields=message_template_namespace`);
    const body = isSuccess(result) ? parseJsonOrUndefined(result.body) : undefined;
    return isObject(body) && typeof body.message_template_namespace === 'string' ? body.message_template_namespace : null;
  }

  /** The partner's body goes to Meta unchanged; Meta validates it. */
  async create(channel: PartnerChannel, body: Buffer): Promise<UpstreamResult> {
    return this.graph.call('POST', this.graph.path(channel.wabaId, 'message_templates'), body);
  }

  /**
   * Deletes every language of the template, as 360dialog's `DELETE /v1/configs/templates/{name}`
   * does, or (with `hsmId`, Graph's parameter) only the one with that id.
   */
  async remove(channel: PartnerChannel, name: string, hsmId?: string): Promise<UpstreamResult> {
    const params = new URLSearchParams({ name });
    if (hsmId !== undefined) params.set('hsm_id', hsmId);
    return this.graph.call('DELETE', this.withQuery(this.graph.path(channel.wabaId, 'message_templates'), params));
  }

  private withQuery(path: string, params: URLSearchParams): string {
    const query = params.toString();
    return query ? `${path}?${query}` : path;
  }
}
