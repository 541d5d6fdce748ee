// The container image's HEALTHCHECK: exit 0 when the service named by SERVICE answers 200 on /health/ready (on
// 127.0.0.1 and its own port variable), 1 otherwise. Plain Node, no dependencies (node:*-slim has no curl).
const PORTS: Record<string, [variable: string, fallback: number]> = {
  gateway: ['GATEWAY_PORT', 3000],
  ingress: ['INGRESS_PORT', 3001],
  router: ['ROUTER_PORT', 3002],
  metering: ['METERING_PORT', 3003],
  'wa-sim': ['WA_SIM_PORT', 3010],
};

export async function healthy(env: NodeJS.ProcessEnv, timeoutMs = 4000): Promise<boolean> {
  const entry = PORTS[env.SERVICE ?? ''];
  if (!entry) throw new Error(`SERVICE must be one of ${Object.keys(PORTS).join(', ')} (got ${JSON.stringify(env.SERVICE)})`);
  const port = Number(env[entry[0]] || entry[1]);
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    return response.status === 200;
  } catch {
    return false;
  }
}

if (require.main === module) {
  healthy(process.env).then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
