import t from 'tap'
import { checkJobBody, normaliseFormValues, schemaIssuesToErrors } from '../../src/simulator/validation.ts'

t.test('schema issues become DRF messages grouped by field', async t => {
  const body = { codec: 'x', crf: 99, ml_models: 'a' }
  const result = schemaIssuesToErrors([
    { keyword: 'required', instancePath: '', params: { missingProperty: 'video_url' } },
    { keyword: 'enum', instancePath: '/codec', params: {} },
    { keyword: 'maximum', instancePath: '/crf', params: { limit: 51 } },
    { keyword: 'type', instancePath: '/ml_models/0', params: { type: 'integer' } },
    { keyword: 'type', instancePath: '/ml_models/1', params: { type: 'integer' } },
    { keyword: 'format', instancePath: '/video_url', params: { format: 'uri' } },
    { keyword: 'maxLength', instancePath: '/video_url', params: { limit: 2048 } }
  ], body)
  t.same(result, {
    errors: {
      video_url: ['This field is required.', 'Enter a valid URL.', 'Ensure this field has no more than 2048 characters.'],
      codec: ['"x" is not a valid choice.'],
      crf: ['Ensure this value is less than or equal to 51.'],
      ml_models: ['A valid integer is required.']
    },
    nonField: []
  })
  t.same(schemaIssuesToErrors([{ keyword: 'type', instancePath: '', params: { type: 'object' } }], [1]), {
    errors: {}, nonField: ['Invalid data. Expected a dictionary, but got list.']
  })
})

t.test('form values are read as DRF reads them', async t => {
  t.same(normaliseFormValues({ comparison: 'True', preview: 'off', start_frame: '', end_frame: 'null', crf: '23' }), {
    comparison: true, preview: false, start_frame: null, end_frame: null, crf: '23'
  })
  t.same(normaliseFormValues({ comparison: 'maybe' }), { comparison: 'maybe' }, 'left for the schema to reject')
  t.equal(normaliseFormValues('text'), 'text')
})

t.test('model rules', async t => {
  t.match(checkJobBody([], { ml_models: [34] }), { ok: true, models: [{ id: 34 }] })
  t.same(checkJobBody([], { ml_models: [34, 999] }), { ok: false, errors: { ml_models: ['Invalid pk "999" - object does not exist.'] }, nonField: [] })
  t.match(checkJobBody([], { ml_models: [34, 35] }), { ok: false, errors: { ml_models: [/Only one model per task.*34 and 35.*Super Resolution/] } })
  t.match(checkJobBody([], { ml_models: [49, 53, 34] }), { ok: true, models: [{ id: 53 }, { id: 34 }, { id: 49 }] }, 'pipeline order')
  t.match(checkJobBody([], { ml_models: [34, 34] }), { ok: true, models: [{ id: 34 }] })
})

t.test('object-level rules wait for valid fields', async t => {
  const crf = { keyword: 'maximum', instancePath: '/crf', params: { limit: 51 } }
  t.same(checkJobBody([crf], { ml_models: [34, 35, 999], start_frame: 9, end_frame: 3 }), {
    ok: false, errors: { crf: ['Ensure this value is less than or equal to 51.'], ml_models: ['Invalid pk "999" - object does not exist.'] }, nonField: []
  })
  t.same(checkJobBody([], { ml_models: [34], start_frame: 9, end_frame: 9 }), { ok: false, errors: { end_frame: ['end_frame must be greater than start_frame.'] }, nonField: [] })
  t.match(checkJobBody([], { ml_models: [34], start_frame: 9, end_frame: 3, preview: true }), { ok: true }, 'end_frame is ignored for previews')
  t.match(checkJobBody([], { ml_models: [34], end_frame: 1 }), { ok: true })
})

t.test('a body that is no dictionary is refused as such, not read', async t => {
  const notAnObject = { keyword: 'type', instancePath: '', params: { type: 'object' } }
  t.same(checkJobBody([notAnObject], null), { ok: false, errors: {}, nonField: ['Invalid data. Expected a dictionary, but got NoneType.'] })
  t.same(checkJobBody([notAnObject], [1] as never), { ok: false, errors: {}, nonField: ['Invalid data. Expected a dictionary, but got list.'] })
})
