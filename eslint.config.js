// ESLint: typescript-eslint's type-aware recommended rules over the whole tree.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'rollup.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // memscope neutralises terminal control characters in untrusted text: its patterns (and the
      // tests of them) match those characters on purpose.
      'no-control-regex': 'off',
      // A `let` that a callback reads before its single assignment cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // node:test's test() and describe() return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
    },
  },
  {
    // Tests read the CLI's JSON output and servers' bodies as untyped data on purpose: the
    // assertions on them are the type check.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['eslint.config.js', 'rollup.config.js'], ...tseslint.configs.disableTypeChecked },
);
