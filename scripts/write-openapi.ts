// npm run openapi: regenerate openapi/gateway.json from the route schemas.
import { writeFile } from 'node:fs/promises'
import { generateOpenApiDocument, serializeOpenApi } from '../src/openapi-document.ts'

const target = new URL('../openapi/gateway.json', import.meta.url)
await writeFile(target, serializeOpenApi(await generateOpenApiDocument()))
console.log('wrote openapi/gateway.json')
process.exit(0)
