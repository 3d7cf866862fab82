import t from 'tap'
import { factsOrDefaults, FALLBACK_FACTS, probeVideo, sniffContainer } from '../../src/simulator/video-probe.ts'
import { fixture, FIXTURE_TABLE } from './helpers.ts'

for (const row of FIXTURE_TABLE) {
  t.test(`reads ${row.file} from its headers`, async t => {
    const bytes = fixture(row.file)
    t.equal(sniffContainer(bytes), row.container)
    t.same(probeVideo(bytes), { container: row.container, width: row.width, height: row.height, framerate: row.framerate, nFrames: row.nFrames, codecId: 'h264' })
  })
}

t.test('the head of a faststart file is enough', async t => {
  t.match(probeVideo(fixture('clip-320x180-24fps-48f.mp4').subarray(0, 4096)), { width: 320, nFrames: 48 })
  t.match(probeVideo(fixture('clip-640x360-30fps-30f.mkv').subarray(0, 4096)), { width: 640, nFrames: 30 })
})

t.test('headers cut short give null, not an exception', async t => {
  for (const row of FIXTURE_TABLE) {
    const bytes = fixture(row.file)
    for (const cut of [16, 64, 200]) t.equal(probeVideo(bytes.subarray(0, cut)), null, `${row.file} cut at ${cut}`)
  }
})

t.test('not a video', async t => {
  const text = fixture('not-a-video.txt')
  t.equal(sniffContainer(text), null)
  t.equal(probeVideo(text), null)
  t.equal(sniffContainer(new Uint8Array()), null)
})

t.test('other containers are recognised by signature', async t => {
  const avi = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('AVI LIST')])
  t.equal(sniffContainer(avi), 'avi')
  const ts = Buffer.alloc(188 * 3)
  ts[0] = ts[188] = ts[376] = 0x47
  t.equal(sniffContainer(ts), 'mpegts')
  t.equal(sniffContainer(Buffer.from('\0\0\0\x08mdat')), 'mov', 'QuickTime without ftyp')
})

t.test('a video whose headers cannot be read gets plausible defaults', async t => {
  const moovAtEnd = Buffer.concat([fixture('clip-320x180-24fps-48f.mp4').subarray(0, 32), Buffer.from('\0\0\0\x10mdat0123456789')])
  t.same(factsOrDefaults(moovAtEnd), { container: 'mp4', ...FALLBACK_FACTS })
})
