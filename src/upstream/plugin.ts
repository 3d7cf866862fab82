import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { UpstreamClient, type UpstreamOptions } from './client.ts'
import { ModelCatalog } from './model-catalog.ts'
import type { UpstreamTarget } from './target.ts'

declare module 'fastify' {
  interface FastifyInstance { upstream: UpstreamClient, modelCatalog: ModelCatalog }
}

export interface UpstreamPluginOptions { target: UpstreamTarget, options: UpstreamOptions }

async function upstream (app: FastifyInstance, { target, options }: UpstreamPluginOptions) {
  const client = new UpstreamClient(target, options)
  app.decorate('upstream', client)
  app.decorate('modelCatalog', new ModelCatalog(client))
  app.addHook('onClose', () => client.close())
}

export default fp(upstream, { name: 'upstream' })
