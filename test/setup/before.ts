import { prepareTestDatabaseServer } from '../helpers/test-database.ts'

const server = await prepareTestDatabaseServer()
console.log(`test database: ${server.embedded ? 'embedded PostgreSQL' : new URL(server.adminUrl).host}, template ${server.template}`)
