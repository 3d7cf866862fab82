// A comment or a document that names a file which was since moved or deleted sends the reader looking for
// something that is not there (issue 14 found one in the ledger). This test reads every comment in src/, test/,
// bench/ and scripts/, and all of README.md and docs/*.md, picks out the repository paths they cite, and fails
// listing each one that does not exist.
//
// What counts as a citation: a path that starts at one of the top-level folders below (optionally after "./"),
// not preceded by a letter, digit, "/", ".", "@", "$", "~" or "-" (so "../shared/x", "@prisma/client", URLs and
// route paths such as "/docs/json" are not). It runs on while the characters can belong to a path; trailing dots
// end a sentence, not the path. "{a,b}" alternatives are expanded, and a glob or placeholder ("*", "<name>", "…")
// cuts the path there, so the folder before it is what must exist. A trailing "/" must name a folder. In
// Markdown, relative link targets ("[x](y.md)") are checked too, from the document's own folder.
//
// Paths are checked on the file system from the repository root, so files that `npm ci` generates (the Prisma
// client) count as present, as they do wherever the tests run.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import ts from 'typescript'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const CITED_ROOTS = ['src', 'test', 'docs', 'bench', 'scripts', 'prisma', 'openapi', 'bin', 'deploy']
const CODE_FOLDERS = ['src', 'test', 'bench', 'scripts']
// Generated or vendored code is not ours to keep in step, and bench results are data.
const SKIPPED = ['src/generated/', 'src/dashboard/assets/', 'bench/results/']

const PATH_CHARS = String.raw`[\w.\-/]`
const CITATION = new RegExp(
  String.raw`(?<![\w/.@$~-])(?:\./)?((?:${CITED_ROOTS.join('|')})/${PATH_CHARS}*(?:\{[\w.\-/,]*\}${PATH_CHARS}*)*)`,
  'g'
)
// [text](target): the target up to a space (a title may follow), an anchor or the closing parenthesis
const MARKDOWN_LINK = /\]\(([^)\s#]+)/g

interface Citation { file: string, line: number, cited: string, resolved: string }

function filesUnder (folder: string, extensions: readonly string[]): string[] {
  const absolute = path.join(ROOT, folder)
  if (!existsSync(absolute)) return []
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .map(name => `${folder}/${name.split(path.sep).join('/')}`)
    .filter(file => extensions.some(ext => file.endsWith(ext)) && !SKIPPED.some(skip => file.startsWith(skip)))
    .filter(file => statSync(path.join(ROOT, file)).isFile())
    .sort()
}

/**
 * Every comment of a TypeScript file, with the offset it starts at. Comments are trivia before a token, so the
 * source is parsed (a scanner alone cannot tell a regular expression from a division, nor find where a template
 * literal resumes) and the trivia before each token is read. JSDoc nodes are not descended into: their text is
 * one comment, found before the token it documents.
 */
function commentsOf (file: string, text: string): Array<{ at: number, text: string }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const seen = new Map<number, string>()
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const range of ranges ?? []) seen.set(range.pos, text.slice(range.pos, range.end))
  }
  const visit = (node: ts.Node) => {
    if (ts.isJSDoc(node)) return
    const children = node.getChildren(source)
    if (children.length === 0) {
      collect(ts.getLeadingCommentRanges(text, node.getFullStart()))
      collect(ts.getTrailingCommentRanges(text, node.getEnd()))
    }
    for (const child of children) visit(child)
  }
  visit(source)
  return [...seen].sort(([a], [b]) => a - b).map(([at, comment]) => ({ at, text: comment }))
}

/** "a/{b,c}/d" → "a/b/d", "a/c/d"; one level of braces, which is all a comment needs. */
function expandBraces (cited: string): string[] {
  const match = /\{([^{}]*)\}/.exec(cited)
  if (!match) return [cited]
  const [before, after] = [cited.slice(0, match.index), cited.slice(match.index + match[0].length)]
  return match[1]!.split(',').flatMap(alternative => expandBraces(before + alternative + after))
}

function citationsIn (text: string): string[] {
  const found: string[] = []
  for (const match of text.matchAll(CITATION)) {
    const cited = match[1]!.replace(/\.+$/, '')
    found.push(...expandBraces(cited))
  }
  return found
}

function lineAt (text: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

function exists (repoPath: string): boolean {
  const absolute = path.join(ROOT, repoPath)
  if (!existsSync(absolute)) return false
  return !repoPath.endsWith('/') || statSync(absolute).isDirectory()
}

function citationsOfCode (file: string): Citation[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8')
  // Most files cite nothing anywhere; only those that might are parsed, which keeps the scan to a fraction.
  if (citationsIn(text).length === 0) return []
  return commentsOf(file, text).flatMap(comment => citationsIn(comment.text).map(cited => ({
    file,
    line: lineAt(text, comment.at + comment.text.indexOf(cited.split('{')[0]!)),
    cited,
    resolved: cited
  })))
}

function citationsOfMarkdown (file: string): Citation[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8')
  const citations: Citation[] = []
  text.split('\n').forEach((content, index) => {
    for (const cited of citationsIn(content)) citations.push({ file, line: index + 1, cited, resolved: cited })
    for (const match of content.matchAll(MARKDOWN_LINK)) {
      const target = match[1]!
      if (/^[a-z][a-z+.-]*:/i.test(target) || target.startsWith('/')) continue // a URL, or a path on a server
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), target))
      citations.push({ file, line: index + 1, cited: target, resolved })
    }
  })
  return citations
}

function allCitations (): Citation[] {
  const code = CODE_FOLDERS.flatMap(folder => filesUnder(folder, ['.ts', '.js', '.mjs', '.cjs']))
  const markdown = ['README.md', ...filesUnder('docs', ['.md'])].filter(file => existsSync(path.join(ROOT, file)))
  return [...code.flatMap(citationsOfCode), ...markdown.flatMap(citationsOfMarkdown)]
}

t.test('the scanner', async t => {
  t.test('finds paths in prose and stops where a path does', async t => {
    t.same(citationsIn('see src/ledger/money.ts. And test/unit/ledger/, then (docs/simulator.md)'),
      ['src/ledger/money.ts', 'test/unit/ledger/', 'docs/simulator.md'])
    t.same(citationsIn('`src/routes/tensorpix/index.ts`\'s teamOf, src/jobs/create.ts:18'),
      ['src/routes/tensorpix/index.ts', 'src/jobs/create.ts'])
  })
  t.test('ignores what only looks like a path', async t => {
    t.same(citationsIn('@prisma/client, ../shared/tensorpix/API.md, GET /docs/json, https://x.io/src/a.ts'), [])
    t.same(citationsIn('pass/test/fail, latest-docs/x, $src/y'), [])
  })
  t.test('keeps "./", expands braces, and cuts globs and placeholders to their folder', async t => {
    t.same(citationsIn('./scripts/replicas.ts'), ['scripts/replicas.ts'])
    t.same(citationsIn('routes at src/routes/tensorpix/{errors,schemas}.ts'),
      ['src/routes/tensorpix/errors.ts', 'src/routes/tensorpix/schemas.ts'])
    t.same(citationsIn('test/**/*.test.ts, src/admin/<resource>/, src/…'), ['test/', 'src/admin/', 'src/'])
  })
  t.test('reads comments only, including JSDoc, and not strings, templates or regular expressions', async t => {
    const text = [
      "const a = 'src/not-a-comment.ts' // src/one.ts",
      // eslint-disable-next-line no-template-curly-in-string -- the source under test holds a template literal
      'const b = `${a} /* src/not-either.ts */` /* src/two.ts */',
      'const c = /\\/\\/ src\\/regex.ts/ // src/three.ts',
      '/** src/four.ts */',
      'export function f () { return a } // src/five.ts',
      '// src/six.ts at the end of the file'
    ].join('\n')
    t.same(commentsOf('x.ts', text).flatMap(c => citationsIn(c.text)),
      ['src/one.ts', 'src/two.ts', 'src/three.ts', 'src/four.ts', 'src/five.ts', 'src/six.ts'])
  })
  t.test('a trailing slash must name a folder', async t => {
    t.ok(exists('src/ledger/'))
    t.notOk(exists('src/config.ts/'))
    t.ok(exists('src/config.ts'))
  })
})

t.test('every path cited in a comment or a document exists', async t => {
  const citations = allCitations()
  t.ok(citations.length > 50, `the scan finds citations (${citations.length}), so an empty pass means something`)
  const broken = citations.filter(c => !exists(c.resolved))
  const report = [...new Set(broken.map(c =>
    `${c.file}:${c.line}: ${c.cited}${c.cited === c.resolved ? '' : ` (${c.resolved})`}`))]
  const message = report.length === 0
    ? 'no cited path is missing'
    : `cited paths that do not exist:\n${report.join('\n')}`
  t.same(report, [], message)
})
