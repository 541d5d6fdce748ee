import { contextOf, startSpan, startTracing, stopTracing, traced, tracingConfigured, tracingOn } from './tracing';

describe('tracing configuration', () => {
  it('is off by default and with exporter none or OTEL_SDK_DISABLED', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    // an explicit `none` wins over an endpoint configured for other signals
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
  });

  it('is on when an exporter or an OTLP endpoint is configured', () => {
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'none,console' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
  });

  it('costs nothing when off: no span, no context, fn runs unchanged', async () => {
    expect(tracingOn()).toBe(false);
    expect(startSpan('x', { kind: 0 })).toBeUndefined();
    expect(contextOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBeUndefined();
    await expect(traced('x', { kind: 0 }, (span) => Promise.resolve(span === undefined ? 'ran' : 'span'))).resolves.toBe('ran');
  });

  it('starts the SDK for traces only, with the service name, and stops it again', async () => {
    const saved = { ...process.env };
    for (const name of ['OTEL_SERVICE_NAME', 'OTEL_METRICS_EXPORTER', 'OTEL_LOGS_EXPORTER']) delete process.env[name];
    process.env.OTEL_TRACES_EXPORTER = 'console';
    try {
      expect(startTracing('test', process.env)).toBe(true);
      expect(process.env).toMatchObject({ OTEL_SERVICE_NAME: 'wabridge-test', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
      expect(tracingOn()).toBe(true);
      // recording, not ended: nothing is printed by the console exporter
      expect(startSpan('x', { kind: 0 })?.isRecording()).toBe(true);
      expect(contextOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBeDefined();
    } finally {
      await stopTracing();
      process.env = saved;
    }
    expect(tracingOn()).toBe(false);
  });
});
