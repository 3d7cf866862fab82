// Work that must wait until a transaction has committed (counting the credits it moved, for the metrics): it is
// registered from inside the transaction against its client, runs once COMMIT succeeded, and is dropped with a
// rollback, so a hold that a quota refusal rolled back is never counted.
import type { PrismaClient } from '../generated/prisma/client.ts'

const pending = new WeakMap<object, Array<() => void>>()

/** Runs `fn` after the transaction of `tx` commits; at once when `tx` is no interactive transaction of a Db. */
export function afterCommit (tx: object, fn: () => void): void {
  const queue = pending.get(tx)
  if (queue) queue.push(fn)
  else fn()
}

type Callback = (tx: object) => Promise<unknown>
type Begin = (callback: Callback, options?: unknown) => Promise<unknown>

/** The client with an interactive `$transaction` that runs what afterCommit queued, in order, after COMMIT. */
export function withAfterCommit (client: PrismaClient): PrismaClient {
  const begin = client.$transaction.bind(client) as unknown as Begin
  const batch = client.$transaction.bind(client) as (queries: unknown, options?: unknown) => Promise<unknown>
  return client.$extends({
    client: {
      async $transaction (arg: unknown, options?: unknown) {
        if (typeof arg !== 'function') return batch(arg, options)
        const queue: Array<() => void> = []
        const result = await begin(tx => {
          pending.set(tx, queue)
          return (arg as Callback)(tx)
        }, options)
        for (const fn of queue) fn()
        return result
      }
    }
  }) as unknown as PrismaClient
}
