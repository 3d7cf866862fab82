// What kind of network an IP address belongs to, for deciding whether the gateway may call it on a team's behalf.
// Pure. IPv6 forms that embed an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64
// 64:ff9b::/96, 6to4 2002::/16) are classified by the IPv4 address they reach, so none of them smuggles in
// 127.0.0.1 or 10.0.0.1.
import { isIPv4, isIPv6 } from 'node:net'

export type AddressClass =
  | 'public'
  | 'loopback' // 127/8, ::1
  | 'private' // RFC 1918, carrier-grade NAT 100.64/10
  | 'unique-local' // fc00::/7
  | 'link-local' // 169.254/16 (cloud metadata lives here), fe80::/10
  | 'multicast' // 224/4, ff00::/8
  | 'unspecified' // 0.0.0.0/8, ::
  | 'reserved' // documentation, benchmarking, broadcast, 240/4, site-local, discard …
  | 'invalid' // not an IP address at all

type Range = [prefix: bigint, bits: number, width: number, kind: AddressClass]

const V4_RANGES: Array<[string, number, AddressClass]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved']
]

const V6_RANGES: Array<[string, number, AddressClass]> = [
  ['::1', 128, 'loopback'],
  ['::', 128, 'unspecified'],
  ['100::', 64, 'reserved'],
  ['2001:db8::', 32, 'reserved'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'reserved'],
  ['ff00::', 8, 'multicast']
]

// prefixes whose low 32 bits (or, for 6to4, bits 16..48) are an IPv4 address
const MAPPED = { prefix: 0xffffn << 32n, bits: 96 }
const COMPATIBLE = { prefix: 0n, bits: 96 }
const NAT64 = { prefix: BigInt('0x0064ff9b') << 96n, bits: 96 }
const SIX_TO_FOUR = { prefix: 0x2002n << 112n, bits: 16 }

function v4Value (address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n)
}

function v6Value (address: string): bigint {
  let text = address.toLowerCase().split('%')[0] ?? ''
  // a dotted tail (::ffff:1.2.3.4) is two groups
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted?.[1]) {
    const v4 = v4Value(dotted[1])
    text = text.slice(0, -dotted[1].length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const groups = (part: string) => part === '' ? [] : part.split(':')
  const left = groups(head)
  const right = tail === undefined ? [] : groups(tail)
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return all.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n)
}

const ranges = (list: Array<[string, number, AddressClass]>, width: number, value: (a: string) => bigint): Range[] =>
  list.map(([address, bits, kind]) => [value(address), bits, width, kind])

const V4 = ranges(V4_RANGES, 32, v4Value)
const V6 = ranges(V6_RANGES, 128, v6Value)

const within = (value: bigint, prefix: bigint, bits: number, width: number) =>
  (value >> BigInt(width - bits)) === (prefix >> BigInt(width - bits))

function lookupRange (value: bigint, table: Range[]): AddressClass {
  // the longest matching prefix wins (::1/128 before a wider range)
  const hits = table.filter(([prefix, bits, width]) => within(value, prefix, bits, width)).sort((a, b) => b[1] - a[1])
  return hits[0]?.[3] ?? 'public'
}

function embeddedV4 (value: bigint): bigint | null {
  if (within(value, MAPPED.prefix, MAPPED.bits, 128) || within(value, NAT64.prefix, NAT64.bits, 128)) {
    return value & 0xffffffffn
  }
  // ::a.b.c.d (deprecated IPv4-compatible), but not :: and ::1 themselves
  if (within(value, COMPATIBLE.prefix, COMPATIBLE.bits, 128) && value > 1n) return value & 0xffffffffn
  if (within(value, SIX_TO_FOUR.prefix, SIX_TO_FOUR.bits, 128)) return (value >> 80n) & 0xffffffffn
  return null
}

export function classifyAddress (address: string): AddressClass {
  if (isIPv4(address)) return lookupRange(v4Value(address), V4)
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  if (!isIPv6(bare)) return 'invalid'
  const value = v6Value(bare)
  const v4 = embeddedV4(value)
  return v4 === null ? lookupRange(value, V6) : lookupRange(v4, V4)
}
