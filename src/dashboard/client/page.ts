import type { Whoami } from './types.ts'

/** What a page is given: where to draw, who is signed in, and whether it is still the page on screen. */
export interface PageContext {
  main: HTMLElement
  me: Whoami
  /** false once the viewer navigated elsewhere: late answers must not draw over the new page */
  isCurrent (): boolean
  /** registers cleanup (charts) run when the page is left */
  onLeave (cleanup: () => void): void
}
