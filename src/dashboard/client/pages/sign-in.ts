// Sign-in: the key is checked against the gateway before it is kept, in this tab's sessionStorage only.
import { ApiError } from '../api.ts'
import { h, replace } from '../dom.ts'

function refusal (err: unknown): string {
  if (!(err instanceof ApiError)) return 'The key could not be checked; reload the page and try again.'
  if (err.status === 401) return 'This key was not accepted: it is unknown, expired or revoked.'
  if (err.status === 403) return 'This is a team key. The dashboard needs a key with the admin or finance scope.'
  return err.message
}

export function signInPage (root: HTMLElement, message: string | undefined, signIn: (key: string) => Promise<void>) {
  const input = h('input', {
    id: 'key', name: 'key', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'tgw_…'
  })
  const status = h('p', { class: 'error', role: 'alert', hidden: !message }, message ?? '')
  const button = h('button', { type: 'submit' }, 'Sign in')
  const form = h('form', {
    class: 'sign-in panel',
    onsubmit: (event: Event) => {
      event.preventDefault()
      button.disabled = true
      button.textContent = 'Checking…'
      signIn(input.value.trim()).catch(err => {
        status.hidden = false
        status.textContent = refusal(err)
        button.disabled = false
        button.textContent = 'Sign in'
        input.focus()
      })
    }
  },
  h('h1', {}, 'TensorPix gateway'),
  h('p', {}, 'Sign in with an admin or finance key. It stays in this browser tab only and is sent to the gateway as an ',
    h('code', {}, 'Authorization'), ' header; closing the tab forgets it.'),
  h('label', { for: 'key' }, 'Gateway key'),
  input,
  status,
  button)
  replace(root, h('main', { id: 'main', class: 'centered' }, form))
  input.focus()
}
