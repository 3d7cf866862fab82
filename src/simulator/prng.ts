// A small seeded generator (mulberry32) so fault and outcome draws are reproducible run after run. Independent
// streams per purpose keep, say, job-failure draws from shifting the fault sequence.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number
}

function hashLabel (label: string): number {
  let h = 2166136261
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 16777619)
  }
  return h >>> 0
}

export function seededRandom (seed: number, stream: string): Random {
  let state = (Math.trunc(seed) ^ hashLabel(stream)) >>> 0
  return {
    next () {
      state = (state + 0x6d2b79f5) >>> 0
      let t = state
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }
}
