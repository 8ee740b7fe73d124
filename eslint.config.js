import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The one-way service graph (docs/architecture.md): cli → appliance → {gateway, detector, control}
 * → common. Services never import each other; what two services share (config shapes, camera
 * sources, error envelopes, lifecycle) lives in common/. Matched on the import text: relative
 * imports climbing into a folder this one may not use.
 */
const room = (folders, why) => ({
  regex: `^(\\.\\./)+(${folders.join('|')})/`,
  message: `${why} (one-way graph: cli → appliance → {gateway, detector, control} → common; see docs/architecture.md)`,
});
const restrictImports = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/**
 * Waits and restarts go through common/lifecycle (deadline, settledWithin, sleep, RestartLoop):
 * hand-written Promise.race timeouts and setTimeout-in-a-Promise waits drifted (timers left
 * running, late rejections unhandled, five backoff styles).
 */
const handWrittenWaits = [
  {
    selector: "CallExpression[callee.object.name='Promise'][callee.property.name='race']",
    message: 'Promise.race by hand: use deadline()/settledWithin() from common/lifecycle/deadline.ts.',
  },
  ...[
    "NewExpression[callee.name='Promise'] > ArrowFunctionExpression > CallExpression[callee.name='setTimeout']",
    // the same with a block body, `setTimeout(resolve, ms)` or `setTimeout(resolve, ms).unref()` as a statement
    "NewExpression[callee.name='Promise'] > ArrowFunctionExpression > BlockStatement > ExpressionStatement > CallExpression[callee.name='setTimeout']",
    "NewExpression[callee.name='Promise'] > ArrowFunctionExpression > BlockStatement > ExpressionStatement > CallExpression > MemberExpression > CallExpression[callee.name='setTimeout']",
  ].map((selector) => ({
    selector,
    message: 'A setTimeout wrapped in a Promise: use sleep() from common/lifecycle/sleep.ts (abortable, no dangling timer).',
  })),
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'bin/mediamtx', 'state/**', '.tmp/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The service graph, per folder.
  { files: ['common/**/*.ts'], rules: restrictImports(room(['gateway', 'detector', 'control', 'appliance', 'cli'], 'common/ is the bottom room: it imports no service')) },
  { files: ['gateway/**/*.ts'], rules: restrictImports(room(['detector', 'control', 'appliance', 'cli'], 'the gateway imports only common/')) },
  { files: ['detector/**/*.ts'], rules: restrictImports(room(['gateway', 'control', 'appliance', 'cli'], 'the detector imports only common/')) },
  {
    files: ['control/**/*.ts'],
    rules: restrictImports(room(['gateway', 'detector', 'appliance', 'cli'], 'control reaches the gateway and detector only through interfaces in common/')),
  },
  { files: ['appliance/**/*.ts'], rules: restrictImports(room(['cli'], 'appliance is wired by cli, never the other way')) },
  // Exempt: tests (`*/test/**`) may import across rooms to wire real pieces together end to end
  // (e.g. control/test/gateway-e2e.test.ts runs a real gateway; gateway/web/test drives the detector
  // API; common/test/lifecycle-contract.test.ts runs every service). The graph binds production code.
  { files: ['**/test/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  // Waits: no Promise.race anywhere outside common/lifecycle (where the one implementation lives);
  // in production code also no setTimeout-in-a-Promise (tests and scripts may pause plainly).
  { files: ['**/*.ts'], ignores: ['common/lifecycle/**'], rules: { 'no-restricted-syntax': ['error', handWrittenWaits[0]] } },
  {
    files: ['**/*.ts'],
    ignores: ['common/lifecycle/**', '**/test/**', 'scripts/**'],
    rules: { 'no-restricted-syntax': ['error', ...handWrittenWaits] },
  },
  // Exempt, with the reason: the soak rig and the capacity bench are test tooling that races
  // many external processes; they still have hand-written waits to move to common/lifecycle.
  {
    files: [
      'scripts/soak/**', // soak rig (issue 13)
      'scripts/bench/capacity.ts', // capacity bench (issue 13)
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
);
