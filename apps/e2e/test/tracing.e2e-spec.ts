// OpenTelemetry traces across the real services (docs/observability.md): each one exports OTLP/HTTP JSON to a receiver
// of this test's own, and the spans must link up — Meta's webhook at ingress → the Kafka record (traceparent header)
// → the router's consumption → the partner attempt (a retry: a trace of its own, linked to the event's), and a
// partner's send at the gateway → the Graph call → the whatsapp.outbound.v1 record → metering.
import { randomBytes } from 'node:crypto';
import {
  FIXTURE_IDS,
  metaFixtureFor,
  metaHeaders,
  OtlpReceiver,
  PartnerServer,
  provisionChannel,
  TestStack,
  TopicCollector,
  type ProvisionedChannel,
  type ReceivedSpan,
} from '@wabridge/testing';

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

describe('traces across ingress, router, gateway and metering', () => {
  let stack: TestStack;
  let otlp: OtlpReceiver;
  let partner: PartnerServer;
  let target: ProvisionedChannel;
  let webhooks: TopicCollector;
  let outbound: TopicCollector;
  /** the partner refuses the first delivery of the inbound messages listed here (by wamid) */
  const refuseOnce = new Set<string>();

  const inbound = (wamid = `wamid.${randomBytes(12).toString('base64url')}`) =>
    metaFixtureFor('inbound-text.json', {
      [FIXTURE_IDS.phoneNumberId]: target.phoneNumberId,
      [FIXTURE_IDS.wabaId]: target.wabaId,
      [FIXTURE_IDS.inboundWamid]: wamid,
    });

  const postToIngress = (body: Buffer, traceparent?: string) =>
    fetch(`${stack.url('ingress')}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { ...metaHeaders(body, stack.appSecret), ...(traceparent ? { traceparent } : {}) },
      body,
    });

  const childOf = (parent: ReceivedSpan, service: string, name: string) =>
    otlp.waitForSpan(
      (span) => span.traceId === parent.traceId && span.parentSpanId === parent.spanId && span.service === service && span.name === name,
      `a ${service} span "${name}" under ${parent.service} "${parent.name}"`,
    );

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    partner = await PartnerServer.start((request) => {
      const refused = [...refuseOnce].find((wamid) => request.body.toString().includes(wamid));
      if (refused === undefined) return 200;
      refuseOnce.delete(refused);
      return 503;
    });
    stack = await TestStack.start({
      services: ['ingress', 'gateway', 'router', 'metering', 'wa-sim'],
      commonEnv: otlp.env('http/json'),
      env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' }, router: { RETRY_SCHEDULE: '1s', RETRY_TIME_SCALE: '1', RETRY_WINDOW: '10m' } },
    });
    webhooks = await TopicCollector.start(stack.topics.webhooks);
    outbound = await TopicCollector.start(stack.topics.outbound);
    target = await provisionChannel(stack.url('gateway'), stack.adminToken);
    const bound = await fetch(`${stack.url('gateway')}/v1/configs/webhook`, {
      method: 'POST',
      headers: { 'D360-API-KEY': target.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url: partner.url }),
    });
    expect(bound.status).toBe(200);
  }, 120000);

  afterAll(async () => {
    await webhooks?.stop();
    await outbound?.stop();
    await partner?.close();
    await stack?.stop();
    await otlp?.close();
  });

  it('follows a webhook from Meta through ingress, the Kafka record and the router to the partner attempt, and into metering', async () => {
    // Meta's request carries a trace context: ingress's span continues it
    const metaTraceId = randomBytes(16).toString('hex');
    const metaSpanId = randomBytes(8).toString('hex');
    expect((await postToIngress(inbound(), `00-${metaTraceId}-${metaSpanId}-01`)).status).toBe(200);
    const [delivered] = await partner.waitForRequests(1);
    const eventId = delivered.headers['webhook-id'];

    const ingress = await otlp.waitForSpan(
      (span) => span.traceId === metaTraceId && span.service === 'wabridge-ingress' && span.kind === SERVER,
      'the ingress server span',
    );
    expect(ingress).toMatchObject({
      parentSpanId: metaSpanId,
      name: 'POST /webhooks/whatsapp',
      attributes: { 'wabridge.outcome': 'accepted', 'wabridge.events': 1 },
    });
    const publish = await childOf(ingress, 'wabridge-ingress', `${stack.topics.webhooks} publish`);
    expect(publish).toMatchObject({ kind: PRODUCER, attributes: { 'wabridge.event_id': eventId, 'messaging.destination.name': stack.topics.webhooks } });

    // the Kafka record carries the producer span as its traceparent header
    const [record] = await webhooks.waitForCount(1, (r) => r.headers['event-id'] === eventId);
    expect(record.headers.traceparent).toBe(`00-${publish.traceId}-${publish.spanId}-01`);

    const routed = await childOf(publish, 'wabridge-router', `${stack.topics.webhooks} process`);
    expect(routed).toMatchObject({ kind: CONSUMER, attributes: { 'wabridge.event_id': eventId, 'messaging.system': 'kafka' } });
    const attempt = await childOf(routed, 'wabridge-router', 'partner delivery attempt');
    expect(attempt).toMatchObject({
      kind: CLIENT,
      attributes: { 'wabridge.attempt': 1, 'wabridge.lane': 'first', 'wabridge.destination_class': 'primary', 'http.response.status_code': 200 },
    });

    const metered = await childOf(publish, 'wabridge-metering', `${stack.topics.webhooks} process`);
    expect(metered.kind).toBe(CONSUMER);
  });

  it("puts a retried attempt in a trace of its own, linked to the event's trace", async () => {
    const wamid = `wamid.${randomBytes(12).toString('base64url')}`;
    refuseOnce.add(wamid);
    expect((await postToIngress(inbound(wamid))).status).toBe(200);
    const attempts = await partner.waitForRequests(2, 20000, (request) => request.body.toString().includes(wamid));
    const eventId = attempts[0].headers['webhook-id'];
    const attemptSpan = (number: number) =>
      otlp.waitForSpan(
        (span) =>
          span.name === 'partner delivery attempt' && span.attributes['wabridge.event_id'] === eventId && span.attributes['wabridge.attempt'] === number,
        `the span of attempt ${number}`,
      );
    const first = await attemptSpan(1);
    expect(first).toMatchObject({ status: 2, attributes: { 'http.response.status_code': 503, 'wabridge.lane': 'first' } });
    const retried = await attemptSpan(2);
    expect(retried).toMatchObject({ status: 0, attributes: { 'http.response.status_code': 200, 'wabridge.lane': 'retry' } });

    const publish = await otlp.waitForSpan((span) => span.kind === PRODUCER && span.attributes['wabridge.event_id'] === eventId, "the event's publish span");
    expect(first.traceId).toBe(publish.traceId);
    const retryConsumer = await otlp.waitForSpan((span) => span.spanId === retried.parentSpanId, 'the retry lane consumer span');
    expect(retryConsumer).toMatchObject({ service: 'wabridge-router', kind: CONSUMER, parentSpanId: '', name: `${stack.topics.retry}.0 process` });
    expect(retryConsumer.traceId).not.toBe(publish.traceId);
    expect(retryConsumer.links).toEqual([{ traceId: publish.traceId, spanId: publish.spanId }]);
  });

  it('follows a send from the gateway through the Graph call to the outbound record and metering', async () => {
    const send = await fetch(`${stack.url('gateway')}/messages`, {
      method: 'POST',
      headers: { 'D360-API-KEY': target.apiKey, 'content-type': 'application/json' },
      body: metaFixtureFor('send-template-request.json', {}),
    });
    expect(send.status).toBe(200);

    const server = await otlp.waitForSpan((span) => span.service === 'wabridge-gateway' && span.name === 'send message', 'the gateway send span');
    expect(server).toMatchObject({
      kind: SERVER,
      parentSpanId: '',
      attributes: { 'wabridge.send_route': 'cloud', 'wabridge.channel_id': target.channelId, 'wabridge.outcome': '200' },
    });
    const graph = await childOf(server, 'wabridge-gateway', 'graph POST');
    expect(graph).toMatchObject({ kind: CLIENT, attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200 } });
    const publish = await childOf(server, 'wabridge-gateway', `${stack.topics.outbound} publish`);
    expect(publish.kind).toBe(PRODUCER);
    const { messages } = (await send.json()) as { messages: { id: string }[] };
    const [record] = await outbound.waitForCount(1, (r) => r.value?.toString().includes(messages[0].id) ?? false);
    expect(record.headers.traceparent).toBe(`00-${publish.traceId}-${publish.spanId}-01`);
    const metered = await childOf(publish, 'wabridge-metering', `${stack.topics.outbound} process`);
    expect(metered).toMatchObject({ kind: CONSUMER, attributes: { 'messaging.destination.name': stack.topics.outbound } });
  });

  it('never puts a phone number, a key, a URL or message content in a span attribute', () => {
    expect(otlp.spans.length).toBeGreaterThan(8);
    const values = JSON.stringify(otlp.spans.map((span) => [span.name, span.attributes]));
    for (const secret of [
      target.phoneNumberId,
      target.displayPhoneNumber,
      target.apiKey,
      FIXTURE_IDS.endUserPhone,
      FIXTURE_IDS.inboundText,
      'Kerry',
      partner.url,
      '127.0.0.1',
    ]) {
      expect(values).not.toContain(secret);
    }
  });
});
