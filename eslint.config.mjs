// Lint for the whole workspace. The module-boundary rule is what keeps the architecture honest:
// apps import only libs (never another app), libs never import apps, and production code never
// imports the test harness.
import { readFileSync } from 'node:fs';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// One scope per app, from the app registry (tools/apps.json): an app depends on shared libs and the harness only.
const APPS = JSON.parse(readFileSync(new URL('./tools/apps.json', import.meta.url), 'utf8')).apps;

export default [
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.nx/**', 'coverage/**', 'tmp/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
            // Specs of shared libs may use the test harness; production code may not (next block).
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', 'scope:testing'] },
            { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:shared', 'scope:testing'] },
            ...APPS.map((app) => ({ sourceTag: `scope:${app.name}`, onlyDependOnLibsWithTags: ['scope:shared', 'scope:testing'] })),
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      'no-console': 'error',
    },
  },
  {
    // Production code must not depend on the test harness; specs may.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'libs/testing/**', 'apps/*/test/**'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            // Direct imports only: a lib's own specs import the harness, which must not taint every app.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
    },
  },
  {
    // Only the messaging lib touches kafkajs (no release since 2023): apps see Nest idioms, so the client can be
    // swapped without touching an app. Tests drive the broker directly and may import it.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/messaging/**', 'libs/testing/**', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'apps/*/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kafkajs', message: 'Only libs/messaging uses kafkajs: consume with @ConsumeEvent, publish through OutboxWriter.' }],
          patterns: [{ group: ['kafkajs/*'], message: 'Only libs/messaging uses kafkajs.' }],
        },
      ],
    },
  },
  {
    files: ['tools/**/*.ts', '**/cli/**/*.ts', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'libs/testing/**/*.ts', 'apps/*/test/**/*.ts', 'e2e/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
];
