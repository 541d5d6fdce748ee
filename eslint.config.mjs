import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Spec and test files: the only code, besides the harness and the tools, that may use the test harness and local infra. */
const TEST_FILES = ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'];

/**
 * Who may import whom, by Nx tag. Layers: contracts < util < data-access < infra (local Kafka/PostgreSQL) < testing.
 * Apps and libs reach the test harness (type:testing, type:infra) only from their test files; e2e and tools are
 * test and launcher code through and through. No project imports an app.
 */
function moduleBoundaries({ inTests }) {
  const production = ['type:contracts', 'type:util', 'type:data-access'];
  const harness = ['type:infra', 'type:testing'];
  const reach = (tags) => (inTests ? [...tags, ...harness] : tags);
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      depConstraints: [
        { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
        // libs/util: the helpers every project may use; it depends on nothing of ours
        { sourceTag: 'layer:base', onlyDependOnLibsWithTags: [] },
        { sourceTag: 'type:util', onlyDependOnLibsWithTags: reach(['type:contracts', 'type:util']) },
        { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: reach(production) },
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: reach(production) },
        { sourceTag: 'type:infra', onlyDependOnLibsWithTags: production },
        { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [...production, ...harness] },
        { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: [...production, ...harness] },
        { sourceTag: 'type:tool', onlyDependOnLibsWithTags: [...production, ...harness] },
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.cache/**', 'tmp/**', '**/*.cjs', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': moduleBoundaries({ inTests: false }),
    },
  },
  {
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries({ inTests: true }),
    },
  },
  {
    files: [...TEST_FILES, 'libs/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
