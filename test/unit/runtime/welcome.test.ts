import t from 'tap'
import { welcomeText } from '../../../src/runtime/welcome.ts'

const upstream = { baseUrl: 'http://127.0.0.1:9', token: 'never-printed', simulated: true }

t.test('the first-start message points at the docs and the dashboard where the control plane listens', async t => {
  const text = welcomeText({ url: 'http://127.0.0.1:8080', created: { adminKey: 'tgw_admin' }, upstream })
  t.match(text, 'Dashboard: http://127.0.0.1:8080/dashboard')
  t.match(text, 'API docs: http://127.0.0.1:8080/docs')
  t.notMatch(text, 'never-printed', 'the master token is never shown')

  const split = welcomeText({ url: 'http://0.0.0.0:8080', controlUrl: 'http://127.0.0.1:9090', created: {}, upstream })
  t.match(split, 'listening on http://0.0.0.0:8080')
  t.match(split, 'Dashboard: http://127.0.0.1:9090/dashboard', 'ADMIN_PORT moves the dashboard')
  t.match(split, 'API docs: http://127.0.0.1:9090/docs')
})
