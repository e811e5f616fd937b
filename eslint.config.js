import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

// DESIGN.md's dependency direction: api <- postgres/pgbouncer/exporter <- instance/objectstore/pooler <- operator <- dashboard <- platform/* <- cli,
// pki a leaf for operator, instance and platform. Each zone names what a folder must not import.
const src = (...folders) => folders.map((f) => `./src/${f}`);
const layers = [
  { target: 'api', from: src('net', 'postgres', 'pgbouncer', 'pki', 'objectstore', 'instance', 'pooler', 'operator', 'platform', 'cli', 'dashboard', 'exporter') },
  { target: 'exporter', from: src('pgbouncer', 'pki', 'objectstore', 'instance', 'pooler', 'operator', 'platform', 'dashboard', 'cli') },
  { target: 'dashboard', from: src('platform', 'cli') },
  { target: 'postgres', from: src('pgbouncer', 'pki', 'objectstore', 'instance', 'pooler', 'operator', 'platform', 'cli', 'dashboard', 'exporter') },
  { target: 'pgbouncer', from: src('pki', 'objectstore', 'instance', 'pooler', 'operator', 'platform', 'cli', 'dashboard', 'exporter') },
  { target: 'pki', from: src('api', 'postgres', 'pgbouncer', 'objectstore', 'instance', 'pooler', 'operator', 'platform', 'cli', 'dashboard', 'exporter') },
  { target: 'objectstore', from: src('pki', 'instance', 'pooler', 'operator', 'platform', 'cli', 'dashboard', 'exporter') },
  { target: 'instance', from: src('pooler', 'operator', 'platform', 'cli', 'dashboard') },
  { target: 'net', from: src('api', 'postgres', 'pgbouncer', 'pki', 'objectstore', 'instance', 'pooler', 'operator', 'platform', 'cli', 'dashboard', 'exporter') },
  { target: 'pooler', from: src('instance', 'objectstore', 'operator', 'platform', 'cli', 'dashboard', 'exporter') },
  { target: 'operator', from: src('platform', 'cli', 'dashboard') },
  { target: 'platform/local', from: src('platform/kubernetes', 'cli') },
  { target: 'platform/kubernetes', from: src('platform/local', 'cli') },
].map(({ target, from }) => ({ target: `./src/${target}`, from, message: `src/${target} must not import this: DESIGN.md's dependency direction is api <- postgres/pgbouncer/exporter <- instance/objectstore/pooler <- operator <- dashboard <- platform/* <- cli.` }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Promise'] > ArrowFunctionExpression > CallExpression.body[callee.name='setTimeout']",
          message: "a sleep is `import { setTimeout as sleep } from 'node:timers/promises'`, not a Promise of its own",
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Sources import each other as `./x.js`; the file on disk is `x.ts`.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Tests (test/, bench/ and the unit tests beside the code) may import any layer.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layers }],
    },
  },
);
