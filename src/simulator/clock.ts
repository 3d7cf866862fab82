// Simulated time. 'realtime' follows the wall clock; 'manual' stands still until advanced, so tests drive the job
// lifecycle, rate-limit windows and URL expiry without sleeping. Both honour advance() as an offset.

export interface Clock {
  readonly mode: 'manual' | 'realtime'
  now(): number
  advance(ms: number): void
}

export function createClock (mode: 'manual' | 'realtime'): Clock {
  const frozenAt = Date.now()
  let offset = 0
  return {
    mode,
    now: () => (mode === 'manual' ? frozenAt : Date.now()) + offset,
    advance (ms) { offset += ms }
  }
}
