import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

// A tiny detached shell watchdog: once our Node process is gone (normal exit, crash, kill -9), it sends the child its
// shutdown signal, escalates to SIGKILL after the grace period and removes the child's temporary directory. It is
// killed (and so does nothing) when the child is stopped normally through stop().
const WATCHDOG_SCRIPT = `
parent=$1 child=$2 sig=$3 grace=$4 dir=$5
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
kill -s "$sig" "$child" 2>/dev/null
n=0
while kill -0 "$child" 2>/dev/null; do
  if [ "$n" -ge "$grace" ]; then kill -s KILL "$child" 2>/dev/null; sleep 1; break; fi
  sleep 1; n=$((n + 1))
done
if [ -n "$dir" ]; then rm -rf -- "$dir"; fi
`;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GuardedProcess {
  readonly pid: number;
  /** Settles when the child has exited. */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** `signal` (the graceful one), then SIGKILL after `graceMs`; resolves once the child is gone. Idempotent. */
  stop(): Promise<ExitInfo>;
}

export interface GuardOptions {
  /** Graceful shutdown signal (SIGTERM for the JVM, SIGINT = "fast shutdown" for postgres). */
  signal: NodeJS.Signals;
  graceMs: number;
  /** Directory the watchdog removes if our process dies without calling stop() (only for temp dirs we created). */
  removeDirOnOrphan?: string;
}

/**
 * Ties a freshly spawned child to the lifetime of this Node process:
 *  - on a normal `process.exit`, the child gets `signal` synchronously from an 'exit' listener;
 *  - in every other case (signal without handler, crash, kill -9), a detached watchdog notices within ~1 s.
 * Call right after spawn().
 */
export function guardProcess(child: ChildProcess, opts: GuardOptions): GuardedProcess {
  if (child.pid === undefined) throw new Error('guardProcess: the child has no pid (spawn failed)');
  const pid = child.pid;
  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });

  const watchdog = spawn(
    'sh',
    [
      '-c',
      WATCHDOG_SCRIPT,
      'wabridge-watchdog',
      String(process.pid),
      String(pid),
      opts.signal.replace(/^SIG/, ''),
      String(Math.ceil(opts.graceMs / 1000)),
      opts.removeDirOnOrphan ?? '',
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.on('error', () => undefined);
  watchdog.unref();

  const onExit = () => {
    try {
      process.kill(pid, opts.signal);
    } catch {
      // already gone
    }
  };
  process.on('exit', onExit);

  const killWatchdog = () => {
    if (watchdog.pid === undefined) return;
    try {
      process.kill(-watchdog.pid, 'SIGKILL'); // its own process group: the shell and its `sleep`
    } catch {
      // already gone
    }
  };

  // The child never keeps this process alive by itself (a forgotten stop() must not hang e.g. jest): when the event
  // loop drains, the 'exit' listener and the watchdog take the child down.
  child.unref();

  let stopping: Promise<ExitInfo> | undefined;
  const stop = (): Promise<ExitInfo> => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit);
      const keepAlive = setInterval(() => undefined, 1000); // while we wait for the (unref'd) child
      try {
        await stopChild();
      } finally {
        clearInterval(keepAlive);
      }
      const info = await exited;
      killWatchdog();
      return info;
    })();
    return stopping;
  };

  const stopChild = async (): Promise<void> => {
    if (exitInfo) return;
    child.kill(opts.signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), opts.graceMs)))]);
    clearTimeout(timer);
    if (timedOut) child.kill('SIGKILL');
    await exited;
  };

  // If the child dies on its own, the watchdog has nothing left to guard (and must not touch a recycled pid).
  void exited.then(() => {
    process.removeListener('exit', onExit);
    killWatchdog();
  });

  return { pid, exited, hasExited: () => exitInfo !== undefined, stop };
}

/** The last `lines` lines of a text file, Java stack frames left out ('' if it cannot be read). */
export async function tailFile(file: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text
      .split('\n')
      .filter((l) => !/^\s+at |^\s+\.\.\. \d+ more/.test(l))
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
