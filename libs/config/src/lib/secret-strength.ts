/**
 * Start-up refuses secrets an attacker could guess: shorter than a minimum, a placeholder from a
 * template or a README (`change-me…`, `example`, `secret`…), or with too few distinct characters.
 * Only WABRIDGE_ALLOW_WEAK_SECRETS=true (a local experiment; never production) lets them through.
 */
export interface SecretRule {
  min: number;
  /** comma-separated list: every entry must be strong */
  list?: boolean;
}

const PLACEHOLDER_WORDS = new Set(['secret', 'password', 'passw0rd', 'admin', 'token', 'test', 'changeme', 'default', 'letmein', 'qwerty']);
const PLACEHOLDER = /change.?me|replace.?me|placeholder|example|your[-_ ]|x{6,}|123456|abcdef/i;

export function weakSecretProblem(value: string, min: number): string | null {
  if (value.length < min) return `is too short (${value.length} characters, at least ${min}): generate one, e.g. openssl rand -base64 32`;
  if (PLACEHOLDER_WORDS.has(value.toLowerCase()) || PLACEHOLDER.test(value)) return 'looks like a placeholder, not a secret';
  if (new Set(value).size < 8) return 'has too few distinct characters to be random';
  return null;
}

/** Issues in the ConfigError form (`NAME: problem`), none when weak secrets are explicitly allowed. */
export function weakSecretIssues(source: NodeJS.ProcessEnv, rules: Record<string, SecretRule>): string[] {
  if (source.WABRIDGE_ALLOW_WEAK_SECRETS === 'true') return [];
  const issues: string[] = [];
  for (const [name, rule] of Object.entries(rules)) {
    const raw = source[name]?.trim();
    if (!raw) continue; // missing values are the schema's to report
    const values = rule.list
      ? raw
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : [raw];
    for (const [index, value] of values.entries()) {
      const problem = weakSecretProblem(value, rule.min);
      if (problem)
        issues.push(`${name}${rule.list ? ` (entry ${index + 1})` : ''}: ${problem} (WABRIDGE_ALLOW_WEAK_SECRETS=true allows it outside production)`);
    }
  }
  return issues;
}
