// Every error the gateway answers, in the manner of Fastify's lib/errors.js: a closed set of codes, each with its HTTP
// status and message template. The same error is rendered in the gateway envelope on the control plane and in
// TensorPix's shape on the data plane (which words some codes as TensorPix does, src/tensorpix/errors.ts).
// A template's arguments are what varies between two errors of a code; where the framework, a policy rule or
// TensorPix supplies the text itself, the argument is that text.

/** The status is the one TensorPix or the framework reported; the template's first argument carries it. */
export const REPORTED = 'reported'

interface FixedStatus { status: number, message: (...args: never[]) => string }
interface ReportedStatus { status: typeof REPORTED, message: (status: number, ...args: never[]) => string }

export const CATALOGUE = {
  // the request as it arrived
  bad_request: { status: 400, message: () => 'The request is invalid' },
  malformed_body: { status: 400, message: (reason: string) => reason },
  malformed_multipart: { status: 400, message: (reason: string) => reason },
  malformed_request: { status: 400, message: () => 'Bad request.' },
  bad_url: { status: 400, message: (reason: string) => reason },
  request_timeout: { status: 408, message: () => 'Request timeout.' },
  body_too_large: { status: 413, message: () => 'Request body is too large' },
  uri_too_long: { status: 414, message: (reason: string) => reason },
  unsupported_media_type: { status: 415, message: () => 'Unsupported Media Type' },
  headers_too_large: { status: 431, message: () => 'Request header fields too large.' },
  request_refused: { status: REPORTED, message: (_status: number, reason: string) => reason },

  // keys and request rates
  unauthorized: { status: 401, message: () => 'A valid gateway key is required: Authorization: Bearer <key>' },
  forbidden: { status: 403, message: (needs: string) => `This action needs ${needs}` },
  rate_limited: {
    status: 429,
    message: (retryInS: number) => `Too many requests without a valid key; retry in ${retryInS} s`
  },
  rate_limit_exceeded: {
    status: 429,
    message: (retryInS: number) => `Request rate limit exceeded; retry in ${retryInS} s`
  },
  too_many_requests: { status: 429, message: (reason: string) => reason },

  // control-plane resources
  not_found: { status: 404, message: (what: string) => `${what} not found` },
  conflict: { status: 409, message: (reason: string) => reason },

  // data-plane creates: policy, idempotency, budget and quotas
  policy_refused: { status: 400, message: (reason: string) => reason },
  unknown_input_video: { status: 400, message: (id: number) => `Invalid pk "${id}" - object does not exist.` },
  idempotency_key_reused: {
    status: 409,
    message: () => 'Idempotency-Key was already used with a different request body.'
  },
  idempotency_in_flight: { status: 409, message: () => 'A request with this Idempotency-Key is still in progress.' },
  budget_exhausted: {
    status: 402,
    message: (remaining: string, hold: string) =>
      `Budget exhausted: ${remaining} credits remaining, this job holds ${hold}.`
  },
  job_over_budget: {
    status: 402,
    // outcome: how the cancel stands when the answer is given, or replayed (src/jobs/over-budget.ts)
    message: (cost: string, outcome: 'pending' | 'cancelled' | 'ended' | 'abandoned') =>
      `Budget exhausted: the job costs ${cost} credits, more than the team has left; ` + {
        cancelled: 'it was cancelled at TensorPix; what TensorPix refunds of it is refunded, what it keeps is charged.',
        ended: 'it finished before it could be cancelled at TensorPix; it is charged as TensorPix charged it.',
        pending: 'its cancellation at TensorPix is pending and is retried; what TensorPix keeps of it is charged.',
        abandoned: 'its cancellation at TensorPix was refused too often and given up; what TensorPix keeps of it is charged.'
      }[outcome]
  },
  concurrent_jobs_quota: {
    status: 429,
    message: (limit: number, per: string) => `Quota exceeded: at most ${limit} active jobs per ${per} (maxConcurrentJobs).`
  },
  daily_jobs_quota: {
    status: 429,
    message: (limit: number, per: string) => `Quota exceeded: at most ${limit} jobs per day per ${per} (maxJobsPerDay).`
  },
  upload_too_large: {
    status: 413,
    message: (limitBytes: number) => `Upload exceeds the team's limit of ${limitBytes} bytes.`
  },
  create_unrecorded: {
    status: 503,
    message: () => 'TensorPix created the job but the gateway could not record it yet; it will be reconciled shortly. ' +
      'Do not retry without an Idempotency-Key, or a second job is created.'
  },
  create_upstream_failed: {
    status: 502,
    message: (status: number) => `TensorPix failed to answer the request (HTTP ${status}); the job may have been ` +
      'created. The gateway will reconcile it. Retry only with the same Idempotency-Key, or a second job is created.'
  },
  create_answer_unreadable: {
    status: 502,
    message: (status: number) => `TensorPix answered HTTP ${status} without a readable job; the job may have been ` +
      'created. The gateway will reconcile it. Retry only with the same Idempotency-Key, or a second job is created.'
  },
  create_held_for_operator: {
    status: 502,
    message: (upstreamId: number) => `TensorPix created job ${upstreamId} for this request, but the gateway had ` +
      'already matched the request to another TensorPix job while waiting for the answer. It is held for an operator ' +
      'to decide; do not retry, or a second job is created.'
  },
  create_outcome_unknown: {
    status: 504,
    message: () => 'TensorPix did not answer in time; the job may have been created. The gateway will reconcile it.'
  },

  // TensorPix's answers
  upstream_refused: {
    status: REPORTED,
    message: (_status: number, detail = 'Request refused by TensorPix.') => detail
  },
  upstream_auth_failed: {
    status: 502,
    message: () => 'The gateway could not authenticate with TensorPix; the operators have been alerted.'
  },
  upstream_out_of_credits: {
    status: 503,
    message: () => "The gateway's TensorPix account cannot pay for this job right now; nothing was charged to the " +
      'team and the operators need to top the account up. Retry later.'
  },
  upstream_throttled: { status: 429, message: () => 'TensorPix is throttling requests; retry later.' },
  upstream_failed: {
    status: 502,
    message: (status: number) => `TensorPix failed to answer the request (HTTP ${status}); retry later.`
  },
  upstream_redirected: {
    status: 502,
    message: (status: number) => `TensorPix answered with a redirect (HTTP ${status}), which the gateway does not follow.`
  },
  upstream_timeout: { status: 504, message: () => 'TensorPix did not answer in time.' },
  upstream_saturated: { status: 503, message: () => 'The gateway is at its TensorPix capacity; retry shortly.' },
  upstream_unreachable: { status: 502, message: () => 'TensorPix could not be reached.' },
  upstream_never_created: { status: 502, message: () => 'TensorPix never created the job.' },
  upstream_unavailable: {
    status: 503,
    message: () => 'TensorPix could not be reached to check the ML model ids; try again shortly'
  },

  // the gateway itself
  conflict_retry: {
    status: 503,
    message: () => 'The request collided with another one and was not carried out; retry it.'
  },
  database_unavailable: {
    status: 503,
    message: () => 'The gateway cannot reach its database; nothing was done. Retry later.'
  },
  dashboard_unavailable: { status: 503, message: () => 'The dashboard could not be built; see the gateway log' },
  internal: { status: REPORTED, message: (_status: number) => 'Internal server error' }
} as const satisfies Record<string, FixedStatus | ReportedStatus>

export type ErrorCode = keyof typeof CATALOGUE

/** What a code's message template takes. */
export type MessageArgs<C extends ErrorCode> = Parameters<(typeof CATALOGUE)[C]['message']>

export const ERROR_CODES = Object.keys(CATALOGUE) as ErrorCode[]
