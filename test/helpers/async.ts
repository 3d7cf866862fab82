// Waiting and fanning out in tests: poll for a condition instead of sleeping a fixed time (a loaded machine is
// slow), and run many requests with a bounded number in flight (so a burst is a burst, not a fork bomb).
import { setTimeout as sleep } from 'node:timers/promises'

/** Polls `check` every `everyMs` until it holds; whether it did within `withinMs` (checked once more at the end). */
export async function eventually (check: () => Promise<boolean>, withinMs = 2000, everyMs = 20): Promise<boolean> {
  const until = Date.now() + withinMs
  while (Date.now() < until) {
    if (await check()) return true
    await sleep(everyMs)
  }
  return check()
}

/** Runs fn over items with at most `width` at a time; results in item order. */
export async function mapBounded<T, R> (items: readonly T[], width: number, fn: (item: T, index: number) => Promise<R>):
Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane))
  return results
}

/** A gate that lets at most `width` calls run at once; the others wait their turn, in order. */
export function limited (width: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: Array<() => void> = []
  return async fn => {
    if (running >= width) await new Promise<void>(resolve => waiting.push(resolve))
    running++
    try {
      return await fn()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
}
