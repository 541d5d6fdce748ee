import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type * as SdkNode from '@opentelemetry/sdk-node';

/**
 * OpenTelemetry traces, configured by the standard OTEL_* variables and OFF unless an exporter is
 * configured: OTEL_TRACES_EXPORTER (other than `none`), OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SDK_DISABLED=true wins. Off, the SDK is not even loaded and
 * every helper below returns at its first line. Spans are started by hand at a few places (no
 * auto-instrumentation), and their attributes are ids, counts, status codes and bounded enums only:
 * never a payload, a phone number, a URL or a key.
 */

export { SpanKind, SpanStatusCode, type Context, type Span };

let tracer: Tracer | undefined;
let shutdown: (() => Promise<void>) | undefined;

export function tracingConfigured(env: NodeJS.ProcessEnv): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase();
  if (exporters !== '') return exporters.split(',').some((name) => name.trim() !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * Starts the OpenTelemetry Node SDK when tracing is configured; call first thing in a service's
 * bootstrap. The service name defaults to `wabridge-<service>` (OTEL_SERVICE_NAME overrides it).
 * Returns whether tracing is on.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv): boolean {
  // `env` is the process's environment, passed by the service's bootstrap: the SDK reads its OTEL_* variables itself,
  // so the defaults below are written into it
  if (tracer || !tracingConfigured(env)) return tracer !== undefined;
  if (!env.OTEL_SERVICE_NAME) env.OTEL_SERVICE_NAME = `wabridge-${service}`;
  // traces only: the metrics are Prometheus' (/metrics) and the logs pino's; the SDK would otherwise start an
  // OTLP metric reader and log exporter by default (set these variables to opt in anyway)
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  // loaded only when on: the SDK and its exporters cost start-up time and memory
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  const sdk = new NodeSDK({ instrumentations: [] });
  sdk.start();
  tracer = trace.getTracer('wabridge', '1');
  shutdown = async () => {
    await sdk.shutdown();
    // unregister the global tracer provider, propagator and context manager the SDK registered
    trace.disable();
    propagation.disable();
    context.disable();
  };
  return true;
}

/** Flushes and stops the SDK (the ObservabilityModule calls it when the application shuts down). */
export async function stopTracing(): Promise<void> {
  const stop = shutdown;
  shutdown = undefined;
  tracer = undefined;
  await stop?.();
}

export function tracingOn(): boolean {
  return tracer !== undefined;
}

export interface SpanOptions {
  kind: SpanKind;
  attributes?: Attributes;
  /** the parent; the active context when absent */
  parent?: Context;
  /** a new trace, whatever is active (a retry: it links to the trace it retries instead) */
  root?: boolean;
  links?: Link[];
}

/** A span, or undefined when tracing is off (so callers guard their extra work with `if (span)`). */
export function startSpan(name: string, options: SpanOptions): Span | undefined {
  if (!tracer) return undefined;
  return tracer.startSpan(
    name,
    { kind: options.kind, attributes: options.attributes, links: options.links },
    options.root ? ROOT_CONTEXT : (options.parent ?? context.active()),
  );
}

/** Runs fn with the span as the active context, so spans started inside (across awaits) are its children. */
export function withSpan<T>(span: Span | undefined, fn: () => T): T {
  if (!span) return fn();
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** Ends a span with an error status: the error's type only, its message could quote input. */
export function endSpanWithError(span: Span | undefined, error: unknown): void {
  if (!span) return;
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name ?? 'error' });
  span.end();
}

/** The W3C `traceparent` of a span, for a header. */
export function traceparentOf(span: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier.traceparent;
}

/** The context a W3C `traceparent` (and `tracestate`) carries, or undefined when there is none or tracing is off. */
export function contextOf(traceparent: string | undefined, tracestate?: string): Context | undefined {
  if (!tracer || !traceparent) return undefined;
  const extracted = propagation.extract(ROOT_CONTEXT, tracestate ? { traceparent, tracestate } : { traceparent });
  return trace.getSpanContext(extracted) ? extracted : undefined;
}

/** A link to the span a context carries (retries link to the trace of the event they retry). */
export function linkTo(parent: Context | undefined): Link[] {
  const spanContext = parent ? trace.getSpanContext(parent) : undefined;
  return spanContext ? [{ context: spanContext }] : [];
}

/** A context whose parent is the span: for spans that start below it without making it active. */
export function childOf(span: Span): Context {
  return trace.setSpan(context.active(), span);
}

/**
 * Runs fn inside a span (the active one while fn runs, ended when it settles, an error status when
 * it throws). Tracing off: fn(undefined), nothing else.
 */
export async function traced<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  const span = startSpan(name, options);
  if (!span) return fn(undefined);
  try {
    const result = await withSpan(span, () => fn(span));
    span.end();
    return result;
  } catch (error) {
    endSpanWithError(span, error);
    throw error;
  }
}
