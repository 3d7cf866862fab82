// Headless Chromium for the browser tests: Debian's chromium driven by playwright-core (browsers cannot be
// downloaded here), a fresh profile per run, and every console error, page error and CSP violation collected.
import { mkdtemp, mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type { Teardown } from '../helpers/teardown.ts'

export const CHROMIUM = '/usr/bin/chromium'
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts')

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'
]

export interface Browser {
  context: BrowserContext
  /** console errors, uncaught page errors and CSP violations, across every page of the context */
  problems: string[]
  newPage (): Promise<Page>
  screenshot (page: Page, name: string): Promise<string>
}

export async function launchBrowser (t: Teardown, options: { timezoneId?: string } = {}): Promise<Browser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'tpx-e2e-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: 1360, height: 900 },
    locale: 'en-GB',
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {})
  })
  t.teardown(async () => {
    await context.close()
    await rm(profile, { recursive: true, force: true })
  })
  // the listener is installed by the browser itself (not by the page), so the page's CSP cannot block it
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', event =>
      console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline')))`
  })
  const problems: string[] = []
  const watch = (page: Page) => {
    page.on('console', message => { if (message.type() === 'error') problems.push(`console: ${message.text()}`) })
    page.on('pageerror', error => problems.push(`page error: ${error.message}`))
  }
  context.on('page', watch)
  await mkdir(ARTIFACTS, { recursive: true })
  return {
    context,
    problems,
    newPage: () => context.newPage(),
    async screenshot (page, name) {
      const file = path.join(ARTIFACTS, `dashboard-${name}.png`)
      await page.screenshot({ path: file, fullPage: true })
      return file
    }
  }
}
