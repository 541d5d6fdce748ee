import { graphListQuery, parseWabaListQuery, rewritePaging, wabaTemplatesPage, type WabaListQuery } from './waba-templates';

const graphTemplate = (name: string, language = 'en_US', status = 'APPROVED', category = 'UTILITY') => ({
  name,
  language,
  status,
  category,
  id: `${name}-${language}`,
  components: [{ type: 'BODY', text: 'Hi {{1}}' }],
});

const query = (overrides: Partial<WabaListQuery> = {}): WabaListQuery => ({
  limit: 1000,
  offset: 0,
  filters: {},
  sort: ['business_templates.name'],
  ...overrides,
});

describe('360dialog template list', () => {
  it('reads the defaults, filters (JSON and plain) and sort', () => {
    expect(parseWabaListQuery({})).toEqual({ ok: true, value: query() });
    expect(
      parseWabaListQuery({
        limit: '50',
        offset: '10',
        filters: '{"business_templates.name":"order_shipped"}',
        status: 'approved',
        sort: '-business_templates.name',
      }),
    ).toEqual({
      ok: true,
      value: { limit: 50, offset: 10, filters: { name: 'order_shipped', status: 'approved' }, sort: ['-business_templates.name'] },
    });
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ offset: '-1' }, 'offset'],
    [{ filters: 'not json' }, 'filters'],
    [{ filters: '["x"]' }, 'filters'],
    [{ filters: '{"owner":"x"}' }, 'filters.owner'],
    [{ filters: '{"name":3}' }, 'filters.name'],
    [{ sort: 'created_at' }, 'sort'],
    [{ sort: ['a', 'b'] }, 'sort'],
  ])('refuses %j', (input, reason) => {
    expect(parseWabaListQuery(input)).toEqual({ ok: false, error: expect.stringContaining(reason) });
  });

  it('answers in the waba_templates shape, statuses in lower case, sorted by name', () => {
    const all = [
      graphTemplate('welcome'),
      graphTemplate('order_shipped', 'de'),
      graphTemplate('order_shipped'),
      graphTemplate('promo', 'en', 'REJECTED', 'MARKETING'),
    ];
    const ns = 'c8ae5f90_307a_ca4c_b8f6_d1e2a2573574';
    const listed = (template: Record<string, unknown>, status: string) => ({
      ...template,
      status,
      rejected_reason: null,
      namespace: ns,
      external_id: template.id,
    });
    expect(wabaTemplatesPage(all, query(), ns)).toEqual({
      count: 4,
      filters: {},
      limit: 1000,
      offset: 0,
      sort: ['business_templates.name'],
      total: 4,
      waba_templates: [
        listed(graphTemplate('order_shipped', 'de'), 'approved'),
        listed(graphTemplate('order_shipped'), 'approved'),
        listed(graphTemplate('promo', 'en', 'REJECTED', 'MARKETING'), 'rejected'),
        listed(graphTemplate('welcome'), 'approved'),
      ],
    });
  });

  it('pages with offset and limit over the filtered total', () => {
    const all = ['a', 'b', 'c', 'd', 'e'].map((name) => graphTemplate(name));
    const page = wabaTemplatesPage(all, query({ limit: 2, offset: 2 }));
    expect(page).toMatchObject({ count: 2, total: 5, limit: 2, offset: 2 });
    expect((page.waba_templates as { name: string }[]).map((t) => t.name)).toEqual(['c', 'd']);
    expect(wabaTemplatesPage(all, query({ offset: 10 }))).toMatchObject({ count: 0, total: 5, waba_templates: [] });
    const approved = wabaTemplatesPage([...all, graphTemplate('x', 'en', 'PENDING')], query({ filters: { status: 'APPROVED' } }));
    expect(approved).toMatchObject({ count: 5, total: 5 });
    expect(wabaTemplatesPage(all, query({ sort: ['-business_templates.name'], limit: 1 })).waba_templates).toEqual([expect.objectContaining({ name: 'e' })]);
  });
});

describe('Graph template list', () => {
  it("passes through only Graph's list parameters", () => {
    expect(graphListQuery({ limit: '10', after: 'c', access_token: 'stolen', status: 'APPROVED', fields: ['a', 'b'] }).toString()).toBe(
      'limit=10&after=c&status=APPROVED',
    );
  });

  it('points paging links at the gateway and drops the upstream token', () => {
    const body = {
      data: [],
      paging: {
        cursors: { before: 'b', after: 'a' },
        next: 'https://graph.facebook.com/v21.0/123/message_templates?access_token=SECRET&limit=2&after=a',
      },
    };
    expect(rewritePaging(body, 'https://api.wabridge.example', '/message_templates')).toEqual({
      data: [],
      paging: { cursors: { before: 'b', after: 'a' }, next: 'https://api.wabridge.example/message_templates?limit=2&after=a' },
    });
    expect(rewritePaging({ data: [] }, 'https://x', '/message_templates')).toEqual({ data: [] });
    // the caller's own access_token is kept, the system-user token never
    expect(
      rewritePaging(body, 'https://api.wabridge.example', '/v14.0/123/message_templates', new URLSearchParams({ access_token: 'partner-key' })),
    ).toMatchObject({
      paging: { next: 'https://api.wabridge.example/v14.0/123/message_templates?limit=2&after=a&access_token=partner-key' },
    });
  });
});
