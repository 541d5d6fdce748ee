import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow after a full collection, in percent of what survived it. V8's own
 * choice (up to 4× on a machine with plenty of memory) let the router's heap reach ~200 MB between
 * full collections of a ~50 MB live set, and its resident memory ~350 MB during a backlog drain.
 * Measured (docs/performance.md): router drain peak RSS 196–206 MB instead of ~340 MB, ingress 145
 * instead of 190 MB, CPU per event within the noise. Not for metering: its batches of thousands of
 * decoded statuses made it ~16 % slower there, and it stays small anyway.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Applies the heap policy (router, ingress). V8 refuses this flag in NODE_OPTIONS, so the service
 * calls this first thing in its main; it applies from the next collection on.
 */
export function applyHeapPolicy(percent = HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
