/**
 * Summarizes a `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time overall,
 * then this package's own functions (files under `src/`) by self and by total time (callees included).
 *
 *   npx tsx test/bench/top-functions.ts <file.cpuprofile> [rows]
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Pseudo-frames V8 reports for time outside JavaScript functions. */
const IDLE_FRAMES = new Set(['(idle)', '(root)'])

const ROOT = `file://${process.cwd()}/`

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  const file = url.startsWith(ROOT) ? url.slice(ROOT.length) : path.basename(url) || url
  return `${functionName || '(anonymous)'}  ${file}${file ? `:${lineNumber + 1}` : ''}`
}

function isOwn(node: ProfileNode): boolean {
  return node.callFrame.url.startsWith(`${ROOT}src/`)
}

const [file, rowsArgument] = process.argv.slice(2)
if (file === undefined) throw new Error('usage: top-functions.ts <file.cpuprofile> [rows]')
const rows = Number(rowsArgument ?? 25)
if (!Number.isInteger(rows) || rows < 1)
  throw new Error(`rows must be a positive integer, got ${rowsArgument}`)
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile

const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfMicros = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}

/** Self and total time per function (name + location); recursion counts once in the total. */
const functions = new Map<string, { self: number; total: number; own: boolean }>()
function visit(node: ProfileNode, onStack: Set<string>): number {
  const name = describe(node)
  let total = selfMicros.get(node.id) ?? 0
  const entry = functions.get(name) ?? { self: 0, total: 0, own: isOwn(node) }
  entry.self += total
  functions.set(name, entry)
  const nested = onStack.has(name)
  onStack.add(name)
  for (const child of node.children ?? []) total += visit(byId.get(child)!, onStack)
  if (!nested) {
    onStack.delete(name)
    entry.total += total
  }
  return total
}
visit(profile.nodes[0]!, new Set())

let busy = 0
for (const [name, entry] of functions) if (!IDLE_FRAMES.has(name.split('  ')[0]!)) busy += entry.self

function print(title: string, list: [string, { self: number; total: number }][]): void {
  console.log(`\n${title}`)
  console.log('  self ms  self %  total ms  function')
  for (const [name, { self, total }] of list.slice(0, rows)) {
    const selfMs = (self / 1000).toFixed(0).padStart(7)
    const share = ((self / busy) * 100).toFixed(1).padStart(6)
    console.log(`  ${selfMs}  ${share}  ${(total / 1000).toFixed(0).padStart(8)}  ${name}`)
  }
}

const entries = [...functions].filter(([name]) => !IDLE_FRAMES.has(name.split('  ')[0]!))
console.log(`${path.basename(file)}: ${(busy / 1000).toFixed(0)} ms busy (idle excluded)`)
print(
  'Top self time, all code',
  entries.sort((a, b) => b[1].self - a[1].self),
)
const own = entries.filter(([, entry]) => entry.own)
print(
  'src/ by self time',
  [...own].sort((a, b) => b[1].self - a[1].self),
)
print(
  'src/ by total time (callees included)',
  [...own].sort((a, b) => b[1].total - a[1].total),
)
