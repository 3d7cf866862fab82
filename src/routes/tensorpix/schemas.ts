// How the data plane's answers are documented. Request schemas are the TensorPix contract (src/tensorpix/);
// response bodies are TensorPix's own and pass through unchanged, so they are documented, not re-serialized.
import { Type } from 'typebox'
import { DetailSchema, ValidationErrorSchema } from '../../tensorpix/errors.ts'

/** A TensorPix body passed through as upstream sent it. */
export const Passthrough = (description: string) => Type.Unknown({ description })

// Error answers may come from TensorPix verbatim, so as serializers they must never reject a field TensorPix adds
// or omits: every property optional, extras kept.
const lenient = (schema: typeof DetailSchema | typeof ValidationErrorSchema, description: string) =>
  Type.Partial(schema, { additionalProperties: true, description })

export const detailResponse = lenient(DetailSchema, 'TensorPix {detail} error')
export const errorResponses = {
  400: lenient(ValidationErrorSchema, 'TensorPix ValidationError {errors, non_field_errors}'),
  401: detailResponse,
  403: detailResponse,
  404: detailResponse,
  429: detailResponse,
  502: detailResponse,
  503: detailResponse,
  504: detailResponse
}
