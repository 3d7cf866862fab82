// The `owner` a team is shown (src/tensorpix/jobs.ts withOwner): its own, never the shared master account's email.
import t from 'tap'
import { withOwner } from '../../../src/tensorpix/jobs.ts'

const MASTER = 'master@example.com'
const shown = (body: unknown) => JSON.parse(withOwner(JSON.stringify(body), 'video-team')) as unknown

t.test('every string owner, at any depth, becomes the team slug', async t => {
  t.same(shown({ id: 1, owner: MASTER, cost_usd: '1.0000' }), { id: 1, owner: 'video-team', cost_usd: '1.0000' }, 'a create echo')
  t.same(shown({ id: 1, input_video: { id: 5, owner: MASTER }, output_video: null }),
    { id: 1, input_video: { id: 5, owner: 'video-team' }, output_video: null }, 'nested in a job')
  t.same(shown({ count: 2, results: [{ owner: MASTER }, { owner: 'x\\"y@z' }] }),
    { count: 2, results: [{ owner: 'video-team' }, { owner: 'video-team' }] }, 'in a page, escapes and all')
  t.equal(withOwner('{ "id": 1,\n  "owner" :  "a@b" }', 'video-team'), '{ "id": 1,\n  "owner" :  "video-team" }', 'pretty-printed')
})

t.test('what is not a string owner stays as it was', async t => {
  const same = [
    { owner: 7, job_id: 1 }, // RestoredVideo.owner: a user id
    { errors: { owner: ['This field is required.'] }, non_field_errors: [] }, // a field error about `owner`
    { detail: 'the "owner":"x" of it', name: ',"owner":"y"' }, // the words inside a string
    { owners: 'a@b', Owner: 'a@b' }
  ]
  for (const body of same) t.equal(withOwner(JSON.stringify(body), 'video-team'), JSON.stringify(body))
})
