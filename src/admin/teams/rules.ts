// Checks a whole team document after create or update: rules that span fields, and model ids against the
// upstream catalogue. Per-field shape and ranges are the schema's job. Pure: the catalogue is passed in.
import type { FieldProblem } from '../../errors/problems.ts'
import type { TeamDoc } from './schemas.ts'

export interface TeamRuleContext {
  // path prefix of the request body, so problems name the field the caller sent
  at: string
  // known TensorPix model ids; null when the document names no model (the catalogue was not needed)
  modelIds: ReadonlySet<number> | null
}

type Rule = (doc: TeamDoc, ctx: TeamRuleContext) => FieldProblem[]

const keyRateAboveTeamRate: Rule = ({ limits }, { at }) => {
  const { requestsPerMinute: team, keyRequestsPerMinute: key } = limits
  return team !== null && key !== null && key > team
    ? [{ field: `${at}.limits.keyRequestsPerMinute`, message: `must not exceed limits.requestsPerMinute (${team})` }]
    : []
}

const unknownModels: Rule = ({ optionPolicy }, { at, modelIds }) => {
  const allowed = optionPolicy.allowedModels
  if (!allowed || !modelIds) return []
  return allowed.flatMap((id, index) => modelIds.has(id)
    ? []
    : [{ field: `${at}.optionPolicy.allowedModels.${index}`, message: `unknown TensorPix ML model id ${id}` }])
}

// maxSegmentFrames makes non-preview jobs name an end_frame, which allowFrameRanges=false forbids: together they
// would refuse every non-preview job, which is what allowNonPreview=false says explicitly.
const segmentsWithoutRanges: Rule = ({ optionPolicy: p }, { at }) =>
  p.maxSegmentFrames !== undefined && p.allowFrameRanges === false && p.allowNonPreview !== false
    ? [{
        field: `${at}.optionPolicy.maxSegmentFrames`,
        message: 'cannot be met while allowFrameRanges is false; set allowNonPreview to false to allow previews only'
      }]
    : []

const RULES: Rule[] = [keyRateAboveTeamRate, unknownModels, segmentsWithoutRanges]

export function teamProblems (doc: TeamDoc, ctx: TeamRuleContext): FieldProblem[] {
  return RULES.flatMap(rule => rule(doc, ctx))
}

/** Whether validating this document needs the model catalogue. */
export function needsModelCatalog (doc: Pick<TeamDoc, 'optionPolicy'> | { optionPolicy?: TeamDoc['optionPolicy'] }): boolean {
  return (doc.optionPolicy?.allowedModels?.length ?? 0) > 0
}
