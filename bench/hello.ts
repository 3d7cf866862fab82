// Hello-world Fastify: the reference for how cheap a refused request can be.
import Fastify from 'fastify'

const app = Fastify()
app.get('/hello', async (_request, reply) => reply.code(401).send({ detail: 'Invalid token.' }))
await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' })
process.send?.('ready')
