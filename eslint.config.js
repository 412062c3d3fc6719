// Lint rules that enforce the dependency direction of ARCHITECTURE.md and the habits of STYLE.md.
import tseslint from 'typescript-eslint';

const adapterImports = {
  patterns: [
    {
      group: ['**/core/aws/**', '**/core/local/**', '../aws/*', '../local/*'],
      message:
        'Capabilities receive adapters through ports (core/ports.ts); only composition roots import adapters.',
    },
    {
      group: ['@aws-sdk/*', 'mysql2', 'mysql2/*', 'node:sqlite', 'node:dns', 'node:dns/promises', 'dns'],
      message: 'Drivers and SDKs belong in core/aws, core/local or core/db.',
    },
  ],
};

const impureCalls = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'Use the Clock port.',
  },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the Clock port.' },
  { selector: "CallExpression[callee.name='randomUUID']", message: 'Use the Ids port.' },
  { selector: "CallExpression[callee.property.name='randomUUID']", message: 'Use the Ids port.' },
  { selector: 'ExportAllDeclaration', message: 'No barrels in core: import the file you mean.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'web/dist/**', '.postern/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test runs describe/it blocks itself; awaiting them is neither needed nor usual.
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/aws/**', 'core/local/**', 'core/db/**'],
    rules: {
      'no-restricted-imports': ['error', adapterImports],
      'no-restricted-syntax': ['error', ...impureCalls],
    },
  },
  {
    files: ['lambdas/**/*.ts'],
    ignores: ['lambdas/context.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/db/**', '**/core/aws/**', '**/core/local/**'],
              message: 'Endpoint and handler files receive services from lambdas/context.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='mock'][property.name='module']",
          message: 'Use a fake of the port, never module mocking.',
        },
      ],
    },
  },
);
