import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { UpstreamClient, type UpstreamOptions } from './client.ts'
import { TensorpixApi } from './tensorpix.ts'
import { ModelCatalog } from './model-catalog.ts'
import type { UpstreamTarget } from './target.ts'

declare module 'fastify' {
  interface FastifyInstance { upstream: TensorpixApi, modelCatalog: ModelCatalog }
}

export interface UpstreamPluginOptions { target: UpstreamTarget, options: UpstreamOptions }

async function upstream (app: FastifyInstance, { target, options }: UpstreamPluginOptions) {
  const tensorpix = new TensorpixApi(new UpstreamClient(target, options, app.log))
  app.decorate('upstream', tensorpix)
  app.decorate('modelCatalog', new ModelCatalog(tensorpix))
  app.addHook('onClose', () => tensorpix.close())
}

export default fp(upstream, { name: 'upstream' })
