// TensorPix's error bodies: ValidationError {errors, non_field_errors} for 400, {detail} for everything else.
// Handlers throw TensorPixError; the app's error handler renders it.

export type FieldErrors = Record<string, string[]>

export type ErrorBody = { errors: FieldErrors, non_field_errors: string[] } | { detail: string }

export class TensorPixError extends Error {
  constructor (readonly statusCode: number, readonly body: ErrorBody, readonly headers: Record<string, string> = {}) {
    super('detail' in body ? body.detail : 'Invalid input.')
    this.name = 'TensorPixError'
  }
}

export const invalid = (errors: FieldErrors, nonField: string[] = []) =>
  new TensorPixError(400, { errors, non_field_errors: nonField })

export const fieldError = (field: string, message: string) => invalid({ [field]: [message] })

export const nonFieldError = (message: string) => invalid({}, [message])

export const detailError = (statusCode: number, detail: string, headers: Record<string, string> = {}) =>
  new TensorPixError(statusCode, { detail }, headers)

export const notFound = () => detailError(404, 'Not found.')

export const conflict = (detail: string) => detailError(409, detail)
