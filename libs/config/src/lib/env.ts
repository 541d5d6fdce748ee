import { z } from 'zod';
import { type SecretRule, weakSecretIssues } from './secret-strength';

/** Thrown when the environment does not satisfy a service's schema; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once, at start-up, into a typed object. `secrets` names the variables that
 * must hold strong secrets (see weakSecretIssues); their problems are reported with the schema's.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, secrets: Record<string, SecretRule> = {}): z.output<S> {
  const result = schema.safeParse(env);
  const issues = [
    ...(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)),
    ...weakSecretIssues(env, secrets),
  ];
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return result.data;
}

const trimmed = z.string().trim();

export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  positiveNumber: (fallback: number) => z.coerce.number().positive().default(fallback),
  required: () => trimmed.min(1, 'is required'),
  url: () => trimmed.pipe(z.url({ message: 'must be an absolute URL' })),
  /** comma-separated list, empty entries dropped */
  list: () =>
    z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      ),
  kafkaBrokers: () =>
    trimmed
      .min(1, 'is required (comma-separated host:port list)')
      .transform((value) => value.split(',').map((item) => item.trim()))
      .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each broker must be host:port')).min(1)),
  databaseUrl: () => trimmed.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string'),
  topicPrefix: () =>
    z
      .string()
      .default('')
      .pipe(z.string().regex(/^[A-Za-z0-9._-]*$/, 'may only contain letters, digits, dot, dash and underscore')),
  host: () => trimmed.min(1).default('0.0.0.0'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
