// Dashboards and alerts as code (deploy/observability/): every metric the Grafana dashboard and the Prometheus rules
// use must be exported by the real services (scraped from their /metrics), and the rules must pass
// `promtool check rules` where Debian's `prometheus` package provides promtool.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestStack, waitFor, type ServiceName } from '@wabridge/testing';
import { parse as parseYaml } from 'yaml';

const root = join(__dirname, '..', '..', '..');
const dashboardFile = join(root, 'deploy', 'observability', 'grafana-dashboard.json');
const rulesFile = join(root, 'deploy', 'observability', 'prometheus-rules.yaml');

/** Series Prometheus makes itself rather than scrapes. */
const PROMETHEUS_OWN = new Set(['up']);
const SERVICES: ServiceName[] = ['ingress', 'gateway', 'router', 'metering'];

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { expr: string }[];
  datasource?: { uid: string };
}

const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { uid: string; panels: Panel[] };
const rules = parseYaml(readFileSync(rulesFile, 'utf8')) as { groups: { name: string; rules: { alert: string; expr: string }[] }[] };

const dashboardExprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr })));
const ruleExprs = rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })));

/** The metric names in a PromQL expression: ours, Node's default ones and Prometheus' own `up`. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  return [...withoutStrings.matchAll(/\b(wabridge_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+|up)\b/g)].map((match) => match[1]);
}

/** Every sample name a /metrics page can carry, from its `# TYPE` lines (histograms add _bucket, _sum and _count). */
function exportedNames(page: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of page.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!promtool) {
  process.stderr.write(
    'observability.e2e-spec: SKIPPING `promtool check rules`: promtool is not installed (Debian: apt-get install prometheus; .ci/run installs it when missing)\n',
  );
}

describe('deploy/observability: dashboard and alert rules', () => {
  let stack: TestStack;
  const pages = new Map<ServiceName, string>();

  const scrape = async (service: ServiceName) => (await fetch(`${stack.url(service)}/metrics`)).text();

  beforeAll(async () => {
    stack = await TestStack.start({ services: SERVICES });
    // the consumer lag is asked from the broker: wait until each consumer's groups show on its page
    await waitFor(
      async () => {
        for (const service of SERVICES) pages.set(service, await scrape(service));
        const router = pages.get('router') ?? '';
        const metering = pages.get('metering') ?? '';
        return router.includes(`wabridge_kafka_consumer_lag{group="${stack.prefix}wabridge-router"`) &&
          metering.includes(`wabridge_kafka_consumer_lag{group="${stack.prefix}wabridge-metering"`)
          ? true
          : undefined;
      },
      { timeoutMs: 30000, what: 'consumer lag on the router and metering /metrics' },
    );
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('uses only metric names the services export', () => {
    const exported = new Set<string>();
    for (const page of pages.values()) for (const name of exportedNames(page)) exported.add(name);
    expect(exported.size).toBeGreaterThan(50);
    const uses = [...dashboardExprs, ...ruleExprs];
    expect(dashboardExprs.length).toBeGreaterThan(20);
    expect(ruleExprs.length).toBeGreaterThanOrEqual(6);
    const missing: string[] = [];
    for (const { where, expr } of uses) {
      const names = metricNames(expr);
      expect({ where, names: names.length > 0 }).toEqual({ where, names: true });
      for (const name of names) if (!exported.has(name) && !PROMETHEUS_OWN.has(name)) missing.push(`${name} (${where})`);
    }
    expect(missing).toEqual([]);
  });

  it('finds the operator metrics with real values: lag per group and partition, retry backlog, readiness', () => {
    const router = pages.get('router')!;
    for (const group of ['wabridge-router', 'wabridge-router-retry', 'wabridge-router-ordered']) {
      expect(router).toMatch(
        new RegExp(`^wabridge_kafka_consumer_lag\\{group="${stack.prefix.replace('.', '\\.')}${group}",topic="[^"]+",partition="\\d+"\\} \\d+$`, 'm'),
      );
    }
    expect(router).toMatch(/^wabridge_router_oldest_retry_age_seconds \d/m);
    expect(router).toMatch(/^wabridge_router_retry_store_depth \d/m);
    for (const service of SERVICES) expect(pages.get(service)).toMatch(/^wabridge_ready\{check="kafka"\} 1$/m);
  });

  it('gives the alerts the topics the issue asks for, and every panel a Prometheus target', () => {
    const alerts = ruleExprs.map((rule) => rule.where);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'alert WabridgeConsumerLagGrowing',
        'alert WabridgeDeadLettersGrowing',
        'alert WabridgeDeliverySuccessRatioLow',
        'alert WabridgeIngress503s',
        'alert WabridgeServiceNotReady',
      ]),
    );
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect({ panel: panel.title, targets: (panel.targets ?? []).length > 0, datasource: panel.datasource?.uid }).toEqual({
        panel: panel.title,
        targets: true,
        datasource: '${datasource}',
      });
    }
  });

  (promtool ? it : it.skip)('passes promtool check rules', () => {
    const checked = spawnSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect({ status: checked.status, output: checked.stdout + checked.stderr }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});
