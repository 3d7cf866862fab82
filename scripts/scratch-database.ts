import { randomUUID } from 'node:crypto'
import pg from 'pg'

export const ADMIN_DATABASE_URL = process.env.ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** Runs fn against a new empty database and drops it afterwards, whatever happens. */
export async function withScratchDatabase<T> (fn: (url: string) => Promise<T>): Promise<T> {
  const name = `tpx_scratch_${randomUUID().replaceAll('-', '')}`
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE "${name}"`)
  const url = new URL(ADMIN_DATABASE_URL)
  url.pathname = `/${name}`
  try {
    return await fn(url.toString())
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await admin.end()
  }
}
