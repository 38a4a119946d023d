// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** DESIGN.md §2: which layer may import which. */
const boundary = (message, patterns) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
})

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "LogicalExpression[operator='||'][right.type=/Literal|ObjectExpression|ArrayExpression/]",
          message: 'Use ?? for defaults, never ||.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain JavaScript (examples, benchmarks) runs on Node.
    files: ['examples/**', 'bench/**'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'Buffer',
          'URL',
          'performance',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'setImmediate',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['src/protocol/**'],
    rules: boundary('protocol imports nothing (it runs in browsers).', [
      '../*',
      'node:*',
      'ws',
      'pino',
    ]),
  },
  {
    files: ['src/client/**'],
    // node.ts is the one Node entry: it may fall back to the ws package.
    ignores: ['src/client/node.ts', 'src/client/**/*.test.ts'],
    rules: boundary('client imports only the protocol module.', [
      '../server/*',
      '../engine/*',
      '../apps/*',
      '../cli/*',
      'node:*',
      'ws',
      'pino',
    ]),
  },
  {
    // hubbub/api runs in any backend with fetch: the protocol's types and nothing else.
    files: ['src/api/**'],
    rules: boundary('hubbub/api imports only the protocol module.', [
      '../server/*',
      '../engine/*',
      '../client/*',
      '../apps/*',
      '../cli/*',
      'node:*',
      'ws',
      'pino',
    ]),
  },
  {
    files: ['src/engine/**'],
    rules: boundary('engines import only engine types and the protocol.', [
      '../server/*',
      '../client/*',
      '../apps/*',
      '../cli/*',
      'ws',
    ]),
  },
  {
    files: ['src/apps/**'],
    ignores: ['src/apps/**/*.test.ts'],
    rules: boundary(
      'apps import only the public server API (src/server/index.ts) and the protocol.',
      ['../../server/!(index.js)', '../../engine/*', '../../client/*', '../../cli/*', 'ws'],
    ),
  },
  {
    // The web apps are clients of the server like any other: the SDK and the protocol only.
    files: ['web/**'],
    rules: boundary('web apps import only the client SDK (src/client) and the protocol.', [
      '**/src/server/**',
      '**/src/engine/**',
      '**/src/apps/**',
      '**/src/cli/**',
      '**/src/client/node*',
      'node:*',
      'ws',
      'pino',
      'better-sqlite3',
    ]),
  },
  {
    files: ['src/server/**'],
    rules: boundary('the server never imports apps, the client or the CLI.', [
      '../apps/*',
      '../client/*',
      '../cli/*',
    ]),
  },
)
