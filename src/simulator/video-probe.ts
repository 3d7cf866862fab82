// Reads what TensorPix reports about a video (size, frame rate, frame count) straight from the container headers,
// so costs depend on the real clip. Pure: bytes in, facts out. Only the head of a file is needed for MP4/MOV with
// the moov box first ("faststart") and for Matroska; anything else falls back to plausible defaults upstream.

export type Container = 'mp4' | 'mov' | 'mkv' | 'webm' | 'avi' | 'mpegts'

export interface VideoFacts {
  container: Container
  width: number
  height: number
  framerate: number
  nFrames: number
  /** Short codec name as ffprobe prints it (h264, hevc, prores …), null when unrecognised. */
  codecId: string | null
}

const QUICKTIME_TOP_LEVEL = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'])

/** Identifies a container from its first bytes; null when the bytes are not a known video container. */
export function sniffContainer (bytes: Uint8Array): Container | null {
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1')
  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp') return ascii(8, 12) === 'qt  ' ? 'mov' : 'mp4'
  if (bytes.length >= 8 && QUICKTIME_TOP_LEVEL.has(ascii(4, 8))) return 'mov'
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    return ascii(0, Math.min(bytes.length, 64)).includes('webm') ? 'webm' : 'mkv'
  }
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'avi'
  if (bytes.length >= 377 && bytes[0] === 0x47 && bytes[188] === 0x47 && bytes[376] === 0x47) return 'mpegts'
  return null
}

/** Facts from the headers, or null when the container is unknown or its headers are not in `bytes`. */
export function probeVideo (bytes: Uint8Array): VideoFacts | null {
  const container = sniffContainer(bytes)
  try {
    if (container === 'mp4' || container === 'mov') return withContainer(container, probeIsoBmff(bytes))
    if (container === 'mkv' || container === 'webm') return withContainer(container, probeMatroska(bytes))
  } catch (err) {
    // A head cut inside a box makes DataView reads run past the end: that is "headers not available", not a bug.
    if (err instanceof RangeError) return null
    throw err
  }
  return null
}

/** Used when a file is a video but its headers cannot be read (moov at the end, unusual container): 10 s of 1080p30. */
export const FALLBACK_FACTS = { codecId: null, width: 1920, height: 1080, framerate: 30, nFrames: 300 } as const

export function factsOrDefaults (bytes: Uint8Array): VideoFacts {
  return probeVideo(bytes) ?? { container: sniffContainer(bytes) ?? 'mp4', ...FALLBACK_FACTS }
}

type Dimensions = Omit<VideoFacts, 'container'>

function withContainer (container: Container, facts: Dimensions | null): VideoFacts | null {
  return facts ? { container, ...facts } : null
}

// ISO base media (MP4) and QuickTime share the box structure: [size:u32][type:4cc][payload], size 1 = 64-bit size.
interface Box { type: string, start: number, end: number }

function * boxes (view: DataView, from: number, to: number): Generator<Box> {
  let at = from
  while (at + 8 <= to) {
    let size = view.getUint32(at)
    const type =
      String.fromCharCode(view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6), view.getUint8(at + 7))
    let header = 8
    if (size === 1) {
      if (at + 16 > to) return
      size = Number(view.getBigUint64(at + 8))
      header = 16
    } else if (size === 0) {
      size = to - at
    }
    if (size < header) return
    yield { type, start: at + header, end: Math.min(at + size, to) }
    at += size
  }
}

function child (view: DataView, parent: Box, type: string): Box | undefined {
  for (const box of boxes(view, parent.start, parent.end)) if (box.type === type) return box
  return undefined
}

function path (view: DataView, parent: Box, types: string[]): Box | undefined {
  let box: Box | undefined = parent
  for (const type of types) box = box && child(view, box, type)
  return box
}

function probeIsoBmff (bytes: Uint8Array): Dimensions | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const root: Box = { type: 'root', start: 0, end: bytes.length }
  const moov = child(view, root, 'moov')
  if (!moov) return null
  for (const trak of boxes(view, moov.start, moov.end)) {
    if (trak.type !== 'trak') continue
    const hdlr = path(view, trak, ['mdia', 'hdlr'])
    if (!hdlr || hdlr.start + 12 > hdlr.end) continue
    if (Buffer.from(bytes.subarray(hdlr.start + 8, hdlr.start + 12)).toString('latin1') !== 'vide') continue
    return videoTrack(view, trak)
  }
  return null
}

function videoTrack (view: DataView, trak: Box): Dimensions | null {
  const tkhd = child(view, trak, 'tkhd')
  const mdhd = path(view, trak, ['mdia', 'mdhd'])
  const stbl = path(view, trak, ['mdia', 'minf', 'stbl'])
  if (!tkhd || !mdhd || !stbl) return null
  // tkhd ends with width and height as 16.16 fixed point, whatever its version.
  const width = Math.round(view.getUint32(tkhd.end - 8) / 65536)
  const height = Math.round(view.getUint32(tkhd.end - 4) / 65536)
  const v1 = view.getUint8(mdhd.start) === 1
  const timescale = view.getUint32(mdhd.start + (v1 ? 20 : 12))
  const mediaDuration = v1 ? Number(view.getBigUint64(mdhd.start + 24)) : view.getUint32(mdhd.start + 16)
  const stsz = child(view, stbl, 'stsz')
  const stts = child(view, stbl, 'stts')
  const nFrames = stsz ? view.getUint32(stsz.start + 8) : 0
  let sampleTicks = 0
  if (stts) {
    const entries = view.getUint32(stts.start + 4)
    for (let i = 0; i < entries && stts.start + 16 + i * 8 <= stts.end; i++) {
      sampleTicks += view.getUint32(stts.start + 8 + i * 8) * view.getUint32(stts.start + 12 + i * 8)
    }
  }
  const ticks = sampleTicks || mediaDuration
  if (!width || !height || !nFrames || !timescale || !ticks) return null
  return {
    width, height, nFrames, framerate: roundRate(nFrames * timescale / ticks), codecId: sampleEntryCodec(view, stbl)
  }
}

const SAMPLE_ENTRY_CODECS: Record<string, string> = Object.fromEntries([
  ...['avc1', 'avc3'].map(fourcc => [fourcc, 'h264']),
  ...['hvc1', 'hev1'].map(fourcc => [fourcc, 'hevc']),
  ...['apch', 'apcn', 'apcs', 'apco', 'ap4h', 'ap4x'].map(fourcc => [fourcc, 'prores']),
  ['vp09', 'vp9'],
  ['av01', 'av1'],
  ['mp4v', 'mpeg4']
])

function sampleEntryCodec (view: DataView, stbl: Box): string | null {
  const stsd = child(view, stbl, 'stsd')
  // stsd: version/flags, entry count, then the first sample entry box, whose type is the codec's four-cc.
  const entry = stsd && [...boxes(view, stsd.start + 8, stsd.end)][0]
  return entry ? SAMPLE_ENTRY_CODECS[entry.type] ?? null : null
}

const MATROSKA_CODECS: Record<string, string> = {
  'V_MPEG4/ISO/AVC': 'h264', 'V_MPEGH/ISO/HEVC': 'hevc', V_VP8: 'vp8', V_VP9: 'vp9', V_AV1: 'av1', V_PRORES: 'prores'
}

// Matroska is EBML: [id vint with marker][size vint][payload]; an all-ones size means "unknown, to the end".
const EBML = {
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackType: 0x83,
  DefaultDuration: 0x23e383,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  CodecID: 0x86,
  Cluster: 0x1f43b675
} as const

interface Element { id: number, start: number, end: number }

function vint (
  bytes: Uint8Array,
  at: number,
  keepMarker: boolean
): { value: number, length: number, unknown: boolean } | null {
  const first = bytes[at]
  if (first === undefined || first === 0) return null
  const length = Math.clz32(first) - 23
  if (at + length > bytes.length) return null
  let value = keepMarker ? first : first & (0xff >> length)
  let allOnes = value === (0xff >> length)
  for (let i = 1; i < length; i++) {
    const byte = bytes[at + i] ?? 0
    value = value * 256 + byte
    allOnes &&= byte === 0xff
  }
  return { value, length, unknown: !keepMarker && allOnes }
}

function * elements (bytes: Uint8Array, from: number, to: number): Generator<Element> {
  let at = from
  while (at < to) {
    const id = vint(bytes, at, true)
    if (!id) return
    const size = vint(bytes, at + id.length, false)
    if (!size) return
    const start = at + id.length + size.length
    const end = size.unknown ? to : Math.min(start + size.value, to)
    yield { id: id.value, start, end }
    if (id.value === EBML.Cluster) return
    at = end
  }
}

function uint (bytes: Uint8Array, el: Element): number {
  let value = 0
  for (let i = el.start; i < el.end; i++) value = value * 256 + (bytes[i] ?? 0)
  return value
}

function float (bytes: Uint8Array, el: Element): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + el.start, el.end - el.start)
  return el.end - el.start === 4 ? view.getFloat32(0) : view.getFloat64(0)
}

function probeMatroska (bytes: Uint8Array): Dimensions | null {
  const segment = [...elements(bytes, 0, bytes.length)].find(el => el.id === EBML.Segment)
  if (!segment) return null
  let timecodeScale = 1_000_000
  let durationTicks = 0
  let video: { width: number, height: number, frameNs: number, codecId: string | null } | null = null
  for (const el of elements(bytes, segment.start, segment.end)) {
    if (el.id === EBML.Info) {
      for (const info of elements(bytes, el.start, el.end)) {
        if (info.id === EBML.TimecodeScale) timecodeScale = uint(bytes, info)
        if (info.id === EBML.Duration) durationTicks = float(bytes, info)
      }
    }
    if (el.id === EBML.Tracks) video = matroskaVideoTrack(bytes, el) ?? video
  }
  if (!video || !durationTicks) return null
  const seconds = durationTicks * timecodeScale / 1e9
  const framerate = video.frameNs ? roundRate(1e9 / video.frameNs) : 25
  return {
    width: video.width,
    height: video.height,
    framerate,
    nFrames: Math.max(1, Math.round(seconds * framerate)),
    codecId: video.codecId
  }
}

function matroskaVideoTrack (bytes: Uint8Array, tracks: Element) {
  for (const entry of elements(bytes, tracks.start, tracks.end)) {
    if (entry.id !== EBML.TrackEntry) continue
    let type = 0
    let frameNs = 0
    let width = 0
    let height = 0
    let codec = ''
    for (const el of elements(bytes, entry.start, entry.end)) {
      if (el.id === EBML.TrackType) type = uint(bytes, el)
      if (el.id === EBML.CodecID) codec = Buffer.from(bytes.subarray(el.start, el.end)).toString('latin1')
      if (el.id === EBML.DefaultDuration) frameNs = uint(bytes, el)
      if (el.id === EBML.Video) {
        for (const v of elements(bytes, el.start, el.end)) {
          if (v.id === EBML.PixelWidth) width = uint(bytes, v)
          if (v.id === EBML.PixelHeight) height = uint(bytes, v)
        }
      }
    }
    if (type === 1 && width && height) return { width, height, frameNs, codecId: MATROSKA_CODECS[codec] ?? null }
  }
  return null
}

// Rates such as 30000/1001 are reported to three decimals, as ffprobe-style tools do.
function roundRate (fps: number): number {
  return Math.round(fps * 1000) / 1000
}
