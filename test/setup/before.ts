import { prepareTestDatabaseServer } from '../helpers/test-database.ts'
import { startScan } from '../helpers/secret-scan.ts'

startScan()

const server = await prepareTestDatabaseServer()
console.log(`test database: ${server.embedded ? 'embedded PostgreSQL' : new URL(server.adminUrl).host}, template ${server.template}`)
