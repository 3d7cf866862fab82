// The data plane's error handler: every error answers in TensorPix's shape (src/tensorpix/errors.ts), which
// drop-in clients already parse.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { asGatewayError } from '../../http/errors.ts'
import { tensorpixAnswer, validationBody } from '../../tensorpix/errors.ts'

export function sendTensorpixError (request: FastifyRequest, reply: FastifyReply, error: unknown) {
  // worded field by field as DRF does, which needs the validator's own complaints and the body they are about
  const validation = (error as Partial<FastifyError> | null)?.validation
  if (validation) return reply.code(400).send({ ...validationBody(validation, request.body), request_id: request.id })
  const answer = tensorpixAnswer(asGatewayError(error, request), {
    id: request.id,
    contentType: request.headers['content-type']
  })
  return reply.code(answer.status).headers(answer.headers).send(answer.body)
}
