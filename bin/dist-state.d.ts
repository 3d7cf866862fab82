// Types of dist-state.js, which stays plain JavaScript because bin/tpx-gateway.js reads it before any build exists.
export type DistState = 'current' | 'missing' | 'stale'
export const STAMP: string
export function sourceFingerprint (root: string): string
export function distState (root: string, dist?: string): DistState
