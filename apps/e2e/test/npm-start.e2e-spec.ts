// `npm start` as a user runs it (tools/node.cjs tools/stack/start.ts, its own Kafka and PostgreSQL in a data
// directory): its data survive a stop and a start, a service killed with SIGKILL comes back, Ctrl-C (SIGINT to the
// whole process group, as a terminal sends it) leaves no process behind, `--fresh` starts afresh, and even a launcher
// killed with SIGKILL leaves nothing running.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot } from '@wabridge/local-infra';
import { metaFixtureFor, PartnerServer, waitFor } from '@wabridge/testing';

interface Running {
  child: ChildProcess;
  output: () => string;
  pids: Record<string, number>;
  adminToken: string;
  apiKey: string;
  clientId: string;
  phoneNumberId: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const match = (text: string, pattern: RegExp, what: string) => {
  const found = pattern.exec(text)?.[1];
  if (!found) throw new Error(`npm start printed no ${what}:\n${text}`);
  return found;
};

describe('npm start: durable and supervised', () => {
  let dataDir: string;
  let partner: PartnerServer;
  const ports: Record<string, string> = {};
  let running: Running | undefined;

  const start = async (args: string[] = []): Promise<Running> => {
    const env: NodeJS.ProcessEnv = { ...process.env, WABRIDGE_DATA_DIR: dataDir, ...ports, RETRY_SCHEDULE: '2s', RETRY_TIME_SCALE: '1' };
    // npm start's own Kafka and PostgreSQL, not the test run's
    delete env.KAFKA_BROKERS;
    delete env.DATABASE_URL;
    delete env.NODE_ENV;
    let text = '';
    // its own process group, like a terminal's foreground job
    const child = spawn(process.execPath, ['tools/node.cjs', 'tools/stack/start.ts', ...args], {
      cwd: repoRoot(),
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await Promise.race([
      waitFor(() => text.includes('Ctrl-C stops everything.'), { timeoutMs: 150_000, intervalMs: 200, what: 'npm start to be ready' }),
      exited.then(() => {
        throw new Error(`npm start exited:\n${text}`);
      }),
    ]);
    const pids: Record<string, number> = {
      kafka: Number(match(text, /broker pid (\d+)/, 'Kafka pid')),
      postgres: Number(match(text, /PostgreSQL: pid (\d+)/, 'PostgreSQL pid')),
    };
    for (const name of ['gateway', 'ingress', 'router', 'metering', 'wa-sim']) {
      pids[name] = Number(match(text, new RegExp(`${name}\\s+http://\\S+\\s+\\(pid (\\d+)\\)`), `${name} pid`));
    }
    return {
      child,
      output: () => text,
      pids,
      adminToken: match(text, /ADMIN_TOKEN=(\S+)/, 'admin token'),
      apiKey: match(text, /D360-API-KEY\): (\S+)/, 'demo key'),
      clientId: match(text, /demo client (\S+),/, 'demo client'),
      phoneNumberId: match(text, /phone_number_id (\d+)\)/, 'phone number id'),
    };
  };

  /** Ctrl-C: SIGINT to the whole process group; resolves once npm start exited and every process it ran is gone. */
  const interrupt = async (stack: Running, extraPids: number[] = []) => {
    const exited = new Promise<number | null>((resolve) => stack.child.once('exit', (code) => resolve(code)));
    process.kill(-(stack.child.pid as number), 'SIGINT');
    const code = await exited;
    expect(stack.output()).toContain('stopped.');
    const left = [...Object.values(stack.pids), ...extraPids].filter(alive);
    expect(left).toEqual([]);
    return code;
  };

  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;

  const templateSends = async (stack: Running) => {
    const today = new Date().toISOString().slice(0, 10);
    const response = await fetch(`${url('METERING_PORT')}/admin/v1/usage?client_id=${stack.clientId}&from=${today}&to=${today}`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    if (response.status !== 200) return undefined;
    return ((await response.json()) as { totals: { template_sends: number } }).totals.template_sends;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wabridge-npm-start-'));
    for (const name of ['GATEWAY_PORT', 'INGRESS_PORT', 'ROUTER_PORT', 'METERING_PORT', 'WA_SIM_PORT']) ports[name] = String(await freePort());
    partner = await PartnerServer.start(() => 500);
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) process.kill(-(running.child.pid as number), 'SIGKILL');
    await partner?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a queued event and a usage count across a restart, restarts a SIGKILLed service, and leaves nothing behind', async () => {
    // first run: the partner fails, so the inbound event waits in a retry lane; one template send is metered
    running = await start();
    const first = running;
    expect(first.output()).not.toContain('[supervisor]');
    const bind = await fetch(`${url('GATEWAY_PORT')}/v1/configs/webhook`, {
      method: 'POST',
      headers: { 'D360-API-KEY': first.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${partner.url}/hook` }),
    });
    expect(bind.status).toBe(200);
    const inbound = await fetch(`${url('WA_SIM_PORT')}/sim/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_number_id: first.phoneNumberId, from: '15550001111', text: 'hello' }),
    });
    expect(inbound.status).toBeLessThan(300);
    const [failed] = await partner.waitForRequests(1, 30_000);
    const eventId = failed.headers['webhook-id'];
    expect(eventId).toBeTruthy();

    const send = await fetch(`${url('GATEWAY_PORT')}/messages`, {
      method: 'POST',
      headers: { 'D360-API-KEY': first.apiKey, 'content-type': 'application/json' },
      body: metaFixtureFor('send-template-request.json', {}),
    });
    expect(send.status).toBe(200);
    await waitFor(async () => (await templateSends(first)) === 1, { timeoutMs: 30_000, intervalMs: 250, what: 'the template send to be metered' });

    await interrupt(first);
    running = undefined;

    // second run on the same data: same demo key and token, the count intact, the queued event delivered
    partner.respondWith(200);
    const beforeRestart = partner.received.length;
    running = await start();
    const second = running;
    expect(second.apiKey).toBe(first.apiKey);
    expect(second.adminToken).toBe(first.adminToken);
    expect(await templateSends(second)).toBe(1);
    await partner.waitForRequests(1, 60_000, (request) => request.headers['webhook-id'] === eventId && partner.received.indexOf(request) >= beforeRestart);

    // a crash: the supervisor logs it and starts the router again
    process.kill(second.pids.router, 'SIGKILL');
    const restarted = await waitFor(() => /\[supervisor\] router: restarted, pid (\d+), ready/.exec(second.output())?.[1], {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the router to be restarted',
    });
    expect(second.output()).toMatch(/\[supervisor\] router: exited unexpectedly \(killed by SIGKILL\); restarting in 1 s/);
    expect((await fetch(`${url('ROUTER_PORT')}/health/ready`)).status).toBe(200);

    await interrupt(second, [Number(restarted)]);
    running = undefined;

    // --fresh: nothing of the above is left
    running = await start(['--fresh']);
    const fresh = running;
    expect(fresh.output()).toContain(`--fresh: deleting ${dataDir}`);
    expect(fresh.apiKey).not.toBe(first.apiKey);
    expect(fresh.adminToken).not.toBe(first.adminToken);
    // the first run's client is gone: its usage report is a 404
    expect(await templateSends({ ...fresh, clientId: first.clientId })).toBeUndefined();
    expect(await templateSends(fresh)).toBe(0);

    // the launcher itself killed with SIGKILL: each child's watchdog still takes it down
    process.kill(fresh.child.pid as number, 'SIGKILL');
    await waitFor(() => Object.values(fresh.pids).every((pid) => !alive(pid)), {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: `every process of the killed launcher to be gone (${JSON.stringify(fresh.pids)})`,
    });
    running = undefined;
  }, 480_000);
});
