// The one-time first-start message. Written to stderr as plain text, not through the logger: it is for the person
// at the terminal, and it is the only place a bootstrap secret is ever shown.
import type { BootstrapResult } from './bootstrap.ts'
import type { UpstreamTarget } from '../upstream/target.ts'

export interface WelcomeInput {
  url: string
  /** where /docs and /dashboard live: the main URL unless ADMIN_PORT moved the control plane */
  controlUrl?: string
  created: BootstrapResult
  upstream: UpstreamTarget & { sampleVideoUrl?: string }
  modelId?: number // 34 is the upscaler in TensorPix's own quick-start, and in the simulator's catalogue
}

export function welcomeText ({ url, controlUrl = url, created, upstream, modelId = 34 }: WelcomeInput): string {
  const lines = [
    `tensorpix-gateway listening on ${url}  (API docs: ${controlUrl}/docs)`,
    `Dashboard: ${controlUrl}/dashboard  (sign in with an admin or finance key)`
  ]
  if (created.adminKey) {
    lines.push('', 'Admin key (shown once, store it now):', `  ${created.adminKey}`)
  }
  if (created.demoKey) {
    lines.push('', `Demo team "${created.demoTeamSlug}" jobs key (shown once):`, `  ${created.demoKey}`)
  }
  if (upstream.sampleVideoUrl) {
    // printed on every simulator start: the sample's port changes, and a key printed earlier still works
    const body = JSON.stringify({ video_url: upstream.sampleVideoUrl, ml_models: [modelId] })
    lines.push(
      '', 'Create a job on the simulator through the gateway:',
      `  curl -sS -X POST ${url}/api/jobs/from-url/ -H 'Authorization: Token ${created.demoKey ?? '<demo jobs key>'}' ` +
      `-H 'Content-Type: application/json' -d '${body}'`
    )
  }
  return lines.join('\n') + '\n'
}

export function printWelcome (input: WelcomeInput) {
  process.stderr.write('\n' + welcomeText(input) + '\n')
}
