// `npm run replicas` runs compose.yaml's topology without containers: the one-shot migration, then the replicas with
// the environment of compose.yaml's gateway service, each scraped on a METRICS_PORT of its own without a key (which
// only the compose environment sets), and a team key that works on every replica. Ctrl-C stops it all.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { readCompose, serviceEnvironment } from '../../../scripts/compose-env.ts'
import { metricValue, parseMetrics } from '../../helpers/prometheus.ts'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const READY = 'Ctrl-C stops everything.'
// the migration and two gateway processes start one after the other: 37 s on this 2-core machine when quiet, 66 s
// while other suites ran; the wait below ends as soon as the script says it is ready
const START_LIMIT_MS = 180_000
t.setTimeout(START_LIMIT_MS + 60_000)

t.test('npm run replicas starts the compose topology and stops on Ctrl-C', async t => {
  const env: NodeJS.ProcessEnv = { ...process.env, REPLICAS: '2' }
  // its own database and the local Redis, as a developer's first run has them
  delete env.DATABASE_URL
  delete env.REDIS_URL
  // its own process group, so that nothing it started outlives the test however the test ends
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/replicas.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += String(chunk) })
  child.stderr.on('data', (chunk: Buffer) => { output += String(chunk) })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  t.teardown(() => { if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL') })

  const started = Date.now()
  while (!output.includes(READY) && child.exitCode === null && Date.now() - started < START_LIMIT_MS) await sleep(200)
  t.ok(output.includes(READY), `ready after ${Date.now() - started} ms`) || t.comment(output)

  const composed = serviceEnvironment(readCompose(), 'gateway', {})
  const kept = /^gateway environment of compose\.yaml's gateway service: (.*)$/m.exec(output)?.[1]?.split(', ') ?? []
  const replaced = /^ {2}replaced by this machine's equivalent: (.*)$/m.exec(output)?.[1]?.split(', ') ?? []
  t.same([...kept, ...replaced].sort(), Object.keys(composed).sort(), 'every variable of the compose service, used or replaced')
  t.ok(kept.includes('NODE_ENV') && composed.NODE_ENV === 'production', 'production mode, as in compose')
  t.match(output, /^migrate: (No pending migrations\.|Applied: .+)$/m, 'the migration ran first')

  const replicas = [...output.matchAll(/^ {2}replica \d+: (\S+) {3}\(metrics without a key: (\S+)\)$/gm)]
    .map(([, url, metrics]) => ({ url: url as string, metrics: metrics as string }))
  t.equal(replicas.length, 2, 'two replicas, each with its metrics port')
  const jobsKey = /^jobs key of team replicas-demo .*: (\S+)$/m.exec(output)?.[1] ?? ''
  for (const [i, replica] of replicas.entries()) {
    t.equal((await fetch(`${replica.url}/readyz`)).status, 200, `replica ${i + 1} is ready`)
    const scrape = await fetch(replica.metrics)
    t.equal(scrape.status, 200, `replica ${i + 1} is scraped without a key, as Prometheus does in compose`)
    t.equal(metricValue(parseMetrics(await scrape.text()), 'tpx_metrics_database_up'), 1)
    t.equal((await fetch(`${replica.url}/metrics`)).status, 404, 'and its main port has no /metrics')
    const jobs = await fetch(`${replica.url}/api/jobs/`, { headers: { authorization: `Token ${jobsKey}` } })
    t.equal(jobs.status, 200, `the team key works on replica ${i + 1}`)
  }

  const stopping = Date.now()
  if (child.pid) process.kill(child.pid, 'SIGINT')
  t.equal(await exited, 0, `stopped cleanly in ${Date.now() - stopping} ms`)
  for (const replica of replicas) {
    await t.rejects(fetch(`${replica.url}/healthz`), `${replica.url} is gone`)
  }
})
