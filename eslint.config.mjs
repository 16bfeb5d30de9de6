// ESLint 10 flat config. `npm run lint` = this + `tsc --noEmit` (type errors are tsc's job; here only
// rules tsc cannot express). Type-aware rules use the project service, i.e. the root tsconfig.json.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const APPS = ['scim-gateway', 'sync-worker', 'webhook-delivery'];

/** Import boundaries shared by every TypeScript file: libraries only through their public entry point. */
const DEEP_LIB_IMPORTS = {
  group: ['@idsync/*/**'],
  message: 'Import a library only through its entry point (@idsync/<lib>); export what you need from its index.ts.',
};

const restrictedImports = (...patterns) => ['error', { patterns: [DEEP_LIB_IMPORTS, ...patterns] }];

/** apps/cli is the top of the graph: no app or library imports it. */
const CLI_IMPORTS = {
  regex: '^(\\.{1,2}/)+(.*/)?(apps/)?cli/src(/|$)',
  message: 'Nothing imports the operator CLI (apps/cli): move what you need into a library.',
};

// Minimal Node globals for the plain JS build/dev scripts (no `globals` package installed).
const NODE_GLOBALS = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'AbortController', 'AbortSignal', 'fetch',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
    'queueMicrotask', 'structuredClone', 'TextEncoder', 'TextDecoder',
  ].map((name) => [name, 'readonly']),
);
const CJS_GLOBALS = { ...NODE_GLOBALS, require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' };

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'coverage/**', 'bench/results/**'] },

  // ---- plain JavaScript (scripts/*.mjs, *.cjs configs) ----------------------------------------
  {
    files: ['**/*.{js,mjs,cjs}'],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: NODE_GLOBALS },
    rules: { ...js.configs.recommended.rules, eqeqeq: ['error', 'always', { null: 'ignore' }] },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: CJS_GLOBALS } },

  // ---- TypeScript -----------------------------------------------------------------------------
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Unhandled promises lose errors (and in Nest, whole requests); misused ones run un-awaited.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Deliberately NOT enforced: `import type` erases a class that Nest's DI reads back from
      // emitDecoratorMetadata (constructor parameter types), which breaks injection at runtime.
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-restricted-imports': restrictedImports(),
    },
  },

  // Libraries never depend on apps.
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictedImports({
        group: ['**/apps/**', 'apps/**'],
        message: 'Libraries must not import from apps/: move the shared code into a library.',
      }),
    },
  },

  // An app never reaches into another app's sources: share through a library instead.
  ...APPS.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': restrictedImports(
        {
          regex: `^(\\.{1,2}/)+(.*/)?(${APPS.filter((a) => a !== app).join('|')})(/|$)`,
          message: `${app} must not import another app's code: move the shared code into a library under libs/.`,
        },
        CLI_IMPORTS,
      ),
    },
  })),

  // The one documented exception: apps/cli (the operator CLI, not a server) drives the other apps'
  // domain services directly (tenants, SCIM tokens, …), so it may import their non-HTTP code. It
  // must not pull in their HTTP or Kafka edges or their wiring: controllers, message controllers,
  // Nest modules, main/bootstrap files. Nothing may import apps/cli (CLI_IMPORTS, above and libs).
  {
    files: ['apps/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictedImports({
        regex: `^(\\.{1,2}/)+(.*/)?(${APPS.join('|')})/src/(.*/)?([^/]*\\.(controller|message-controller|module)|main|[^/]*bootstrap)$`,
        message: "apps/cli may use another app's services and domain classes, not its controllers, modules or bootstrap: call the service the controller calls.",
      }),
    },
  },

  // Tests may start apps in-process, but still only through the libraries' entry points.
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: {
      // node:test's describe()/it() return promises the runner tracks itself.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
    },
  },
);
