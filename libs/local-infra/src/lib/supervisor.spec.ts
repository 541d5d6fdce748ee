import type { ServiceExit, ServiceProcess } from './service-process';
import { SupervisedService } from './supervisor';

/** A stand-in for a service process: crashes on demand, can fail to start. */
class FakeService {
  readonly name = 'router';
  pid = 100;
  starts = 0;
  stops = 0;
  failNextStarts = 0;
  private crash: ((exit: ServiceExit) => void) | undefined;
  private exitPromise: Promise<ServiceExit> = new Promise(() => undefined);

  start(): Promise<void> {
    this.starts += 1;
    this.pid += 1;
    this.exitPromise = new Promise((resolve) => (this.crash = resolve));
    if (this.failNextStarts > 0) {
      this.failNextStarts -= 1;
      return Promise.reject(new Error('router exited with 1: boom\nmore'));
    }
    return Promise.resolve();
  }

  exit(): Promise<ServiceExit> {
    return this.exitPromise;
  }

  stop(): Promise<void> {
    this.stops += 1;
    this.crash?.({ code: 0, signal: null });
    return Promise.resolve();
  }

  kill(): void {
    this.crash?.({ code: null, signal: 'SIGKILL' });
  }
}

describe('SupervisedService', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  const setup = () => {
    const fake = new FakeService();
    const logged: string[] = [];
    const supervised = new SupervisedService(fake as unknown as ServiceProcess, { log: (line) => logged.push(line) });
    return { fake, logged, supervised };
  };

  it('restarts a crashed service after a back-off that doubles while it keeps crashing, and logs each step', async () => {
    const { fake, logged, supervised } = setup();
    await supervised.start();
    expect(fake.starts).toBe(1);

    fake.kill();
    await jest.advanceTimersByTimeAsync(0);
    expect(logged).toEqual(['router: exited unexpectedly (killed by SIGKILL); restarting in 1 s (crash 1 in a row)']);
    await jest.advanceTimersByTimeAsync(999);
    expect(fake.starts).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(fake.starts).toBe(2);
    expect(logged.at(-1)).toBe(`router: restarted, pid ${fake.pid}, ready`);

    fake.kill();
    await jest.advanceTimersByTimeAsync(0);
    expect(logged.at(-1)).toMatch(/restarting in 2 s \(crash 2 in a row\)/);
    fake.failNextStarts = 1; // and the next start fails too
    await jest.advanceTimersByTimeAsync(2000);
    expect(logged.at(-1)).toBe('router: failed to start again (router exited with 1: boom); restarting in 4 s (crash 3 in a row)');
    await jest.advanceTimersByTimeAsync(4000);
    expect(fake.starts).toBe(4);
    expect(supervised.restarts).toBe(2);
  });

  it('caps the back-off and forgets old crashes once the service stayed up', async () => {
    const { fake, logged, supervised } = setup();
    await supervised.start();
    for (let i = 0; i < 7; i += 1) {
      fake.kill();
      await jest.advanceTimersByTimeAsync(30_000);
    }
    expect(logged.filter((line) => line.includes('restarting in')).map((line) => /in (\d+) s/.exec(line)?.[1])).toEqual(['1', '2', '4', '8', '16', '30', '30']);

    await jest.advanceTimersByTimeAsync(60_000); // up for a minute
    fake.kill();
    await jest.advanceTimersByTimeAsync(0);
    expect(logged.at(-1)).toMatch(/restarting in 1 s \(crash 1 in a row\)/);
  });

  it('does not restart what it was asked to stop, even during a back-off', async () => {
    const { fake, logged, supervised } = setup();
    await supervised.start();
    fake.kill();
    await jest.advanceTimersByTimeAsync(0);
    await supervised.stop();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(fake.starts).toBe(1);
    expect(logged).toHaveLength(1);
  });
});
