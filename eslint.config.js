import { readdirSync } from 'node:fs'
import path from 'node:path'
import neostandard from 'neostandard'
import { createNodeResolver, importX } from 'eslint-plugin-import-x'

// Dependencies point inward: routes → domain → upstream/db, never back (docs/architecture.md). These rules say so
// in code, so a wrong import fails `npm test` instead of waiting for a reader to trip over it.

const ROOT = import.meta.dirname

// The folders that hold what the gateway does, as opposed to how it speaks HTTP. They must not know Fastify, the
// HTTP layer or the routes, so the same rule can be driven from a worker, the CLI or a test without an app.
const DOMAIN = [
  'src/policy', 'src/ledger', 'src/jobs', 'src/account', 'src/admin', 'src/reports', 'src/webhooks', 'src/workers',
  'src/tensorpix', 'src/errors'
]

// The only gateway files that may start the simulator, and only through its entry point: the demo upstream (no
// TENSORPIX_TOKEN) and the `simulator` CLI command.
const SIMULATOR_STARTERS = ['src/runtime/demo-upstream.ts', 'src/cli/commands/simulator.ts']

// Every path under `dir` except `excluded` (and what lies under them), as the fewest folders and files. Zones
// take plain paths, not "all but" globs; reading the tree at lint time covers folders added later.
function allBut (dir, excluded) {
  const out = []
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`
    if (excluded.includes(rel)) continue
    if (entry.isDirectory() && excluded.some(e => e.startsWith(`${rel}/`))) out.push(...allBut(rel, excluded))
    else out.push(rel)
  }
  return out
}

export default [
  ...neostandard({
    ts: true,
    ignores: [
      'src/generated/**', 'node_modules/**', '.tap/**', '.data/**', 'src/dashboard/assets/**', 'bench/results/**',
      'dist/**', 'dist.building-*/**'
    ]
  }),
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    // Comments wrap at 120 too; only literals that cannot be broken without changing them are exempt.
    rules: {
      '@stylistic/max-len': ['error', {
        code: 120,
        tabWidth: 2,
        ignoreStrings: true,
        ignoreTemplateLiterals: true,
        ignoreUrls: true,
        ignoreRegExpLiterals: true,
        ignoreComments: false
      }]
    }
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Every import is relative with an explicit `.ts` extension or a package name, which the plain node
      // resolver handles; no tsconfig paths to teach it.
      'import-x/resolver-next': [createNodeResolver()],
      // Which files import-x reads to follow imports (its default is .js only, which finds no cycle here). They
      // are parsed with the file's own parser, typescript-eslint's.
      'import-x/extensions': ['.ts']
    },
    rules: {
      // A cycle makes load order decide which binding is still undefined, and hides which module owns what.
      // Type-only imports are erased at run time and are not counted.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', {
        basePath: ROOT,
        zones: [
          {
            // Domain folders and the simulator have zones of their own below, with the reason that applies to
            // them; leaving them out here reports each import once. Tests may import a route module to test it.
            target: [...allBut('src', ['src/routes', 'src/app.ts', 'src/simulator', ...DOMAIN]), 'bench', 'scripts'],
            from: 'src/routes',
            message: 'Only src/app.ts imports src/routes/ (to register them): routes are the outermost layer, ' +
              'and what they share with other code belongs in a domain folder, src/http/ or src/tensorpix/.'
          },
          {
            target: DOMAIN,
            from: ['src/routes', 'src/http'],
            message: 'Domain folders do not import src/routes/ or src/http/: domain code throws catalogue errors ' +
              'and the HTTP layer renders them, so dependencies point inward.'
          },
          {
            target: allBut('src', ['src/simulator', ...SIMULATOR_STARTERS]),
            from: 'src/simulator',
            message: 'The gateway does not import the simulator: it is a stand-in for TensorPix, started only by ' +
              SIMULATOR_STARTERS.join(' and ') + '.'
          },
          {
            target: SIMULATOR_STARTERS,
            from: 'src/simulator',
            except: ['./index.ts'],
            message: 'Start the simulator through its entry point, src/simulator/index.ts.'
          },
          {
            target: 'src/simulator',
            from: allBut('src', ['src/simulator']),
            message: 'The simulator imports nothing of the gateway: it is an independent oracle of TensorPix, so a ' +
              'wrong schema or rule cannot hide in both.'
          }
        ]
      }]
    }
  },
  {
    files: DOMAIN.map(d => `${d}/**/*.ts`),
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fastify', 'fastify-plugin'].map(name => ({
          name,
          message: 'Domain folders do not import Fastify: they must run from a worker, the CLI or a test without ' +
            'an app. Type a logger as a Pick<BaseLogger, ...> of pino, which app.log satisfies; plugins and hooks ' +
            'belong in src/http/ and src/routes/.'
        })),
        patterns: [{
          group: ['@fastify/*'],
          message: 'Domain folders do not import Fastify plugins: wiring HTTP belongs in src/http/ and src/routes/.'
        }]
      }]
    }
  }
]
