import t from 'tap'
import { parseRoute, href, jobHref, teamHref } from '../../../src/dashboard/client/router.ts'
import { reportForm, reportQuery } from '../../../src/dashboard/client/report-form.ts'

t.test('hash routes', async t => {
  t.same(parseRoute(''), { page: 'overview' })
  t.same(parseRoute('#/'), { page: 'overview' })
  t.same(parseRoute('#/teams'), { page: 'teams' })
  t.same(parseRoute(teamHref('red team')), { page: 'team', slug: 'red team' })
  t.same(parseRoute(jobHref('0b7c8a52-6f7e-4c44-9d1a-3e2f1b0a9c81')), { page: 'job', id: '0b7c8a52-6f7e-4c44-9d1a-3e2f1b0a9c81' })
  const jobs = parseRoute(href('/jobs', { state: 'failed', team: undefined }))
  t.equal(jobs.page, 'jobs')
  t.equal(jobs.page === 'jobs' && jobs.query.toString(), 'state=failed')
  t.same(parseRoute('#/teams/a/b'), { page: 'missing', path: '/teams/a/b' })
  t.same(parseRoute('#/nowhere'), { page: 'missing', path: '/nowhere' })
})

t.test('the reports form: defaults to this month so far, an included through day, one or two dimensions', async t => {
  const now = new Date('2026-12-15T23:30:00Z')
  const defaults = reportForm(new URLSearchParams(), now)
  t.same(defaults, { from: '2026-12-01', through: '2026-12-15', first: 'team', second: '', team: '' })
  t.same(reportQuery(defaults), { from: '2026-12-01', to: '2026-12-16', group_by: 'team', team: undefined })
  const asked = reportForm(new URLSearchParams('from=2026-11-01&through=2026-11-30&group=day&then=team&team=red'), now)
  t.same(reportQuery(asked), { from: '2026-11-01', to: '2026-12-01', group_by: 'day,team', team: 'red' })
  const odd = reportForm(new URLSearchParams('from=yesterday&group=colour&then=team'), now)
  t.same([odd.from, odd.first, odd.second], ['2026-12-01', 'team', ''], 'unknown values fall back; a dimension is not repeated')
})
