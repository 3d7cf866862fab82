import t from 'tap'
import { limitOffsetPage, pageNumberPage } from '../../src/simulator/pagination.ts'

const items = Array.from({ length: 250 }, (_, i) => i)
const base = 'http://h:1/api/jobs/'

t.test('limit/offset like DRF, with absolute sorted links', async t => {
  const first = limitOffsetPage(items, {}, base)
  t.match(first, { count: 250, next: `${base}?limit=100&offset=100`, previous: null })
  t.equal(first.results.length, 100)
  const middle = limitOffsetPage(items, { offset: '120', limit: '50', extra: 'x' }, base)
  t.same(middle.results.slice(0, 2), [120, 121])
  t.equal(middle.next, `${base}?extra=x&limit=50&offset=170`)
  t.equal(middle.previous, `${base}?extra=x&limit=50&offset=70`)
  t.equal(limitOffsetPage(items, { offset: '30', limit: '50' }, base).previous, `${base}?limit=50`, 'previous page at 0 drops offset')
  t.match(limitOffsetPage(items, { offset: '200', limit: '50' }, base), { next: null })
  t.match(limitOffsetPage(items, { limit: 'abc', offset: '-3' }, base), { next: `${base}?limit=100&offset=100` }, 'invalid values fall back')
  t.equal(limitOffsetPage(items, { limit: '5000' }, base).results.length, 250, 'limit capped at 1000')
  t.same(limitOffsetPage([], {}, base), { count: 0, next: null, previous: null, results: [] })
})

t.test('page/page_size like DRF', async t => {
  const models = Array.from({ length: 18 }, (_, i) => i)
  t.match(pageNumberPage(models, { page_size: '5' }, base), { count: 18, next: `${base}?page=2&page_size=5`, previous: null, results: [0, 1, 2, 3, 4] })
  t.match(pageNumberPage(models, { page_size: '5', page: '2' }, base), { previous: `${base}?page_size=5`, next: `${base}?page=3&page_size=5` })
  t.match(pageNumberPage(models, { page_size: '5', page: 'last' }, base), { next: null, results: [15, 16, 17] })
  t.equal(pageNumberPage(models, { page: '9' }, base), null)
  t.equal(pageNumberPage(models, { page: 'x' }, base), null)
  t.match(pageNumberPage([], {}, base), { count: 0, results: [] }, 'an empty first page is valid')
})
