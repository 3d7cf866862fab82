import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['src/generated/**', 'node_modules/**', '.tap/**', '.data/**', 'src/dashboard/assets/**', 'bench/results/**'] }),
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  }
]
