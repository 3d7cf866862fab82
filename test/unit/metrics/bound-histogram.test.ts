import t from 'tap'
import { Histogram, Registry } from 'prom-client'
import { BoundHistogram } from '../../../src/metrics/bound-histogram.ts'

t.test('exposes exactly what prom-client\'s Histogram exposes for the same observations', async t => {
  const buckets = [0.001, 0.01, 0.1, 1]
  const observations: Array<[string, number]> = [['/a', 0.0004], ['/a', 0.001], ['/a', 0.05], ['/b', 3], ['/a', 0.5], ['/b', 0.01]]

  const theirs = new Registry()
  const reference = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['method', 'route'], buckets, registers: [theirs] })
  for (const [route, value] of observations) reference.labels('GET', route).observe(value)

  const ours = new Registry()
  const bound = new BoundHistogram('x_seconds', 'h', buckets)
  ours.registerMetric(bound.asMetric())
  const series = { '/a': bound.bind({ method: 'GET', route: '/a' }), '/b': bound.bind({ method: 'GET', route: '/b' }) }
  bound.bind({ method: 'GET', route: '/never' })
  for (const [route, value] of observations) series[route as '/a' | '/b'].observe(value)

  t.equal(await ours.metrics(), await theirs.metrics())
  t.notMatch(await ours.metrics(), /never/, 'a label set never observed is not exposed')
})

t.test('a value above every bucket lands in +Inf only', async t => {
  const histogram = new BoundHistogram('y', 'h', [1, 2])
  const series = histogram.bind()
  series.observe(5)
  const { values } = await histogram.get()
  t.same(values.map(v => [v.metricName, v.labels.le, v.value]), [
    ['y_bucket', 1, 0], ['y_bucket', 2, 0], ['y_bucket', '+Inf', 1], ['y_sum', undefined, 5], ['y_count', undefined, 1]
  ])
})
