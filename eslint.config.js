// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Folders whose code runs in plain Node: the CLI, the tests and Electron's main process share it. */
const DOMAIN_FOLDERS = [
  'src/tpm/**',
  'src/crypto/**',
  'src/cli/**',
  'src/engine/**',
  'src/store/**',
  'src/labels/**',
  'src/manifest/**',
  'src/sim/**',
  'src/util/**',
  // The app's services run in plain Node too (the e2e harness calls them without Electron).
  'src/main/services/**',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'ztp-demo-out/', '.test-results/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: DOMAIN_FOLDERS,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Domain code runs in plain Node: never import electron here.',
            },
          ],
          patterns: ['react', 'react-dom', '**/renderer/**', '**/main/**'],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator'],
    },
  },
);
