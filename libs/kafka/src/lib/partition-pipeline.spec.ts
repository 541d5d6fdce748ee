import type { BatchContext, ConsumedRecord } from './consumer-runner';
import { PartitionPipeline, type PipelineOptions } from './partition-pipeline';

function record(offset: number, partition = 0, headers: Record<string, string> = {}): ConsumedRecord {
  return { topic: 't', partition, offset: String(offset), key: null, value: Buffer.from('x'), headers, timestamp: '0' };
}

class FakeContext implements BatchContext {
  readonly resolved: string[] = [];
  readonly committed: string[] = [];
  pauses = 0;
  resumes = 0;
  running = true;
  resolveOffset(offset: string): void {
    this.resolved.push(offset);
  }
  heartbeat(): Promise<void> {
    return Promise.resolve();
  }
  pause(): () => void {
    this.pauses += 1;
    return () => {
      this.resumes += 1;
    };
  }
  isRunning(): boolean {
    return this.running;
  }
  isStale(): boolean {
    return false;
  }
  commit(offset: string): Promise<void> {
    this.committed.push(offset);
    return Promise.resolve();
  }
  seek(): void {
    throw new Error('the pipeline never seeks');
  }
}

/** A process function whose records finish when the test says so. */
class Work {
  readonly started: string[] = [];
  private readonly finishers = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();

  process = (item: ConsumedRecord): Promise<void> => {
    this.started.push(item.offset);
    return new Promise<void>((resolve, reject) => this.finishers.set(item.offset, { resolve, reject }));
  };

  finish(offset: number): void {
    this.finishers.get(String(offset))?.resolve();
  }

  fail(offset: number): void {
    this.finishers.get(String(offset))?.reject(new Error('kafka down'));
  }
}

/** The pipeline's hold, pause and backoff timers run on jest's fake clock; Date.now() is that clock too. */
const flush = () => jest.advanceTimersByTimeAsync(5);

const elapse = (ms: number) => jest.advanceTimersByTimeAsync(ms);

/** Moves the fake clock on until `promise` settles (a batch call returning after its hold time), then awaits it. */
async function settled<T>(promise: Promise<T>, limitMs = 60_000): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  const start = Date.now();
  await jest.advanceTimersByTimeAsync(0);
  while (!done && Date.now() - start < limitMs) await jest.advanceTimersByTimeAsync(1);
  return promise;
}

function pipeline(work: Work, overrides: Partial<PipelineOptions> = {}): PartitionPipeline {
  return new PartitionPipeline({
    process: work.process,
    onError: () => undefined,
    holdMs: 50,
    drainMs: 1000,
    failureBackoffMs: 10,
    ...overrides,
  });
}

describe('PartitionPipeline', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('runs a batch concurrently and resolves offsets strictly in order', async () => {
    const work = new Work();
    const subject = pipeline(work);
    const context = new FakeContext();
    const handled = subject.handle([record(0), record(1), record(2)], context);
    await flush();
    expect(work.started).toEqual(['0', '1', '2']);
    work.finish(2);
    work.finish(1);
    await flush();
    expect(context.resolved).toEqual([]);
    work.finish(0);
    await settled(handled);
    expect(context.resolved).toEqual(['2']);
  });

  it('returns after the hold time while a record is stuck, and lets the records behind it go', async () => {
    const work = new Work();
    const subject = pipeline(work);
    const context = new FakeContext();
    const started = Date.now();
    await settled(subject.handle([record(0)], context));
    expect(Date.now() - started).toBeLessThan(500);
    // kafkajs refetches from the unresolved offset: the stuck record comes back with a new one
    const second = subject.handle([record(0), record(1)], context);
    await flush();
    expect(work.started).toEqual(['0', '1']);
    work.finish(1);
    await settled(second);
    expect(context.resolved).toEqual([]);
    work.finish(0);
    await flush();
    expect(context.resolved).toEqual(['1']);
    // finished after every batch call returned: committed at once, not when the next record arrives
    expect(context.committed).toEqual(['1']);
  });

  it('keeps waiting while its records keep finishing, up to maxHoldMs, so they are not fetched again', async () => {
    const work = new Work();
    const subject = pipeline(work, { holdMs: 60, maxHoldMs: 400 });
    const context = new FakeContext();
    const batch = Array.from({ length: 20 }, (_, offset) => record(offset));
    const started = Date.now();
    const call = subject.handle(batch, context);
    // one record finishes every 30 ms: never a whole hold time without progress
    for (let offset = 0; offset < 8; offset++) {
      await elapse(30);
      work.finish(offset);
    }
    expect(await Promise.race([call.then(() => 'returned'), flush().then(() => 'waiting')])).toBe('waiting');
    await settled(call);
    const held = Date.now() - started;
    expect(held).toBeGreaterThanOrEqual(230);
    expect(held).toBeLessThan(1000);
    // and once nothing finishes for holdMs, it returns after holdMs, not maxHoldMs
    const stuck = Date.now();
    await settled(subject.handle([record(20)], context));
    expect(Date.now() - stuck).toBeLessThan(300);
    for (let offset = 8; offset <= 20; offset++) work.finish(offset);
    await flush();
    expect(context.resolved.at(-1)).toBe('20');
  });

  it('leaves commits of records finished during a batch call to kafkajs', async () => {
    const work = new Work();
    const subject = pipeline(work);
    const context = new FakeContext();
    const call = subject.handle([record(0)], context);
    await flush();
    work.finish(0);
    await settled(call);
    expect(context.resolved).toEqual(['0']);
    expect(context.committed).toEqual([]);
  });

  it('waits longer before returning when a large refetch brought nothing new', async () => {
    const work = new Work();
    const subject = pipeline(work, { holdMs: 20, busyHoldMs: 300 });
    const context = new FakeContext();
    const batch = Array.from({ length: 150 }, (_, offset) => record(offset));
    await settled(subject.handle(batch, context));
    const started = Date.now();
    await settled(subject.handle(batch, context));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const small = Date.now();
    await settled(subject.handle(batch.slice(0, 10), context));
    expect(Date.now() - small).toBeLessThan(200);
    for (let offset = 0; offset < 150; offset++) work.finish(offset);
    await flush();
    expect(context.resolved.at(-1)).toBe('149');
  });

  it('does not resolve a failed record, and starts it again when it is fetched again', async () => {
    const work = new Work();
    const errors: string[] = [];
    const subject = pipeline(work, { onError: (item) => errors.push(item.offset) });
    const context = new FakeContext();
    const handled = subject.handle([record(0), record(1)], context);
    await flush();
    work.fail(0);
    work.finish(1);
    await settled(handled);
    await flush();
    await flush();
    expect(errors).toEqual(['0']);
    expect(context.resolved).toEqual([]);
    const again = subject.handle([record(0), record(1)], context);
    await flush();
    expect(work.started).toEqual(['0', '1', '0']);
    work.finish(0);
    await settled(again);
    expect(context.resolved).toEqual(['1']);
  });

  it('keeps partitions apart', async () => {
    const work = new Work();
    const subject = pipeline(work);
    const a = new FakeContext();
    const b = new FakeContext();
    const first = subject.handle([record(5, 0)], a);
    const second = subject.handle([record(5, 1)], b);
    await flush();
    expect(work.started).toEqual(['5', '5']);
    work.finish(5);
    await settled(Promise.all([first, second]));
    expect(a.resolved.length + b.resolved.length).toBe(1);
  });

  it('pauses the partition at the first record not yet due, and resumes it at the due time', async () => {
    const work = new Work();
    const dueAt = Date.now() + 80;
    const subject = pipeline(work, {
      delayOf: (item) => (item.headers.due ? Number(item.headers.due) - Date.now() : 0),
    });
    const context = new FakeContext();
    const handled = subject.handle([record(0), record(1, 0, { due: String(dueAt) }), record(2)], context);
    await flush();
    expect(work.started).toEqual(['0']);
    expect(context.pauses).toBe(1);
    work.finish(0);
    await settled(handled);
    expect(context.resolved).toEqual(['0']);
    expect(context.resumes).toBe(0);
    await elapse(120);
    expect(context.resumes).toBe(1);
    const after = subject.handle([record(1, 0, { due: String(dueAt) }), record(2)], context);
    await flush();
    expect(work.started).toEqual(['0', '1', '2']);
    work.finish(1);
    work.finish(2);
    await settled(after);
    expect(context.resolved).toEqual(['0', '1', '2']);
    subject.close();
  });

  it('after a rebalance, resolves nothing that was tracked before', async () => {
    const work = new Work();
    const subject = pipeline(work);
    const context = new FakeContext();
    await settled(subject.handle([record(0)], context));
    subject.reset();
    work.finish(0);
    await flush();
    expect(context.resolved).toEqual([]);
  });

  it('on shutdown, waits for records in flight so their offsets are committed', async () => {
    const work = new Work();
    const subject = pipeline(work, { holdMs: 10 });
    const context = new FakeContext();
    context.running = false;
    let returned = false;
    const handled = subject.handle([record(0)], context).then(() => (returned = true));
    await flush();
    // a stopping consumer starts nothing new
    expect(work.started).toEqual([]);
    context.running = true;
    const running = subject.handle([record(0)], context);
    context.running = false;
    await elapse(60);
    expect(returned).toBe(true);
    let drained = false;
    void running.then(() => (drained = true));
    await flush();
    expect(drained).toBe(false);
    work.finish(0);
    await settled(handled);
    await settled(running);
    expect(context.resolved).toEqual(['0']);
    expect(subject.inFlight).toBe(0);
  });
});
