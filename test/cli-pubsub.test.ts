/**
 * `hubbub sub`, `pub`, `presence` and `history` as scripts use them: the built CLI in child
 * processes with piped stdio, against a `hubbub serve` process (restarted in the middle for
 * `sub`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { useCliClients } from './support/cli-client.js'
import { useServeProcesses } from './support/cli-process.js'

const { serve } = useServeProcesses()
const { start, run } = useCliClients()

const dataRoot = mkdtempSync(join(tmpdir(), 'hubbub-cli-pubsub-'))
let dataDirs = 0
afterAll(() => {
  rmSync(dataRoot, { recursive: true, force: true })
})

/** A server with a data directory of its own; resolves with its URL and how to restart it. */
/** Verifies the tokens `hubbub token` mints, for a CLI that needs a stable identity. */
const JWT_SECRET = 'cli-pubsub-test-secret-of-32-chars!!'

const startServer = async (extra: string[] = []) => {
  const dataDir = join(dataRoot, `data-${(dataDirs += 1)}`)
  const served = await serve(['--port', '0', '--data', dataDir, ...extra])
  return {
    served,
    url: `ws://127.0.0.1:${served.port}`,
    restart: () => serve(['--port', String(served.port), '--data', dataDir]),
  }
}

interface JsonPub {
  channel: string
  seq: number
  epoch: string
  time: number
  from?: { client: string; user: string; name: string }
  data: unknown
}

const parseLines = (text: string): JsonPub[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JsonPub)

describe('hubbub pub and sub', () => {
  it('sub --json prints one JSON object a line as pub publishes: JSON as is, text as {text}', async () => {
    const { url } = await startServer()
    const sub = start(['sub', 'alerts', '--json', '--url', url])
    await sub.stderr.next(/^hubbub: listening to alerts/)
    const json = await run([
      'pub',
      'alerts',
      '{"level":"warn","disk":91}',
      '--url',
      url,
      '--name',
      'Ops',
    ])
    expect(json).toMatchObject({ code: 0, stdout: '', stderr: '' })
    expect(await run(['pub', 'alerts', 'disk almost full', '--url', url])).toMatchObject({
      code: 0,
    })
    expect(await run(['pub', 'alerts', '{"x":1}', '--text', '--url', url])).toMatchObject({
      code: 0,
    })
    await sub.stdout.next(/"seq":3/)
    const [first, second, third] = sub.stdout.lines.map((line) => JSON.parse(line) as JsonPub)
    expect(first).toMatchObject({
      channel: 'alerts',
      seq: 1,
      data: { level: 'warn', disk: 91 },
      from: { name: 'Ops' },
    })
    expect(typeof first?.epoch).toBe('string')
    expect(typeof first?.time).toBe('number')
    expect(second).toMatchObject({ seq: 2, data: { text: 'disk almost full' } })
    expect(third).toMatchObject({ seq: 3, data: { text: '{"x":1}' } })
    expect(sub.stdout.lines).toHaveLength(3)
  })

  it('pub - publishes each stdin line in order, skips blank lines, keys lines with --key', async () => {
    // Keys are the publisher's own, and each CLI process without a token is a fresh anonymous
    // user: a retry from a new process is deduplicated when both present the same identity.
    const { url } = await startServer(['--jwt-secret', JWT_SECRET])
    const minted = await run(['token', '--sub', 'log-shipper', '--jwt-secret', JWT_SECRET])
    expect(minted).toMatchObject({ code: 0, stderr: '' })
    const token = minted.stdout.trim()
    const sub = start(['sub', 'logs', '--json', '--url', url])
    await sub.stderr.next(/^hubbub: listening to logs/)
    const input = 'GET / 200\n\n{"status":500}\nGET /x 404\n'
    const keyed = ['pub', 'logs', '-', '--key', 'batch', '--url', url, '--token', token]
    const published = await run(keyed, { input })
    expect(published).toMatchObject({ code: 0, stdout: '', stderr: '' })
    await sub.stdout.next(/"seq":3/)
    expect(sub.stdout.lines.map((line) => (JSON.parse(line) as JsonPub).data)).toEqual([
      { text: 'GET / 200' },
      { status: 500 },
      { text: 'GET /x 404' },
    ])
    // The same keys again within the dedup window: the server delivers nothing new.
    const again = await run(keyed, { input })
    expect(again.code).toBe(0)
    const marker = await run(['pub', 'logs', 'end', '--url', url])
    expect(marker.code).toBe(0)
    const last = JSON.parse(await sub.stdout.next(/"end"/)) as JsonPub
    expect(last.seq).toBe(4)
    expect(sub.stdout.lines).toHaveLength(4)
  })

  it('pub exits 1 with the server reason when a publication is refused', async () => {
    const { url } = await startServer()
    const big = 'x'.repeat(40_000)
    const once = await run(['pub', 'logs', big, '--url', url])
    expect(once.code).toBe(1)
    expect(once.stderr).toMatch(
      /^hubbub: publish to logs refused: publications are limited to \d+ bytes \(too_large\)\n$/,
    )
    const lines = await run(['pub', 'logs', '-', '--url', url], { input: `ok\n${big}\nnever\n` })
    expect(lines.code).toBe(1)
    expect(lines.stderr).toMatch(/^hubbub: line 2: publish to logs refused: .*\(too_large\)\n$/)
    const kept = await run(['history', 'logs', '--json', '--url', url])
    expect(parseLines(kept.stdout).map((pub) => pub.data)).toEqual([{ text: 'ok' }])
  })

  it('sub prints every message once, in order, across a server restart', async () => {
    const server = await startServer()
    const sub = start(['sub', 'chat:lobby', '--json', '--url', server.url])
    await sub.stderr.next(/^hubbub: listening to chat:lobby/)
    const input = 'one\ntwo\nthree\n'
    expect(await run(['pub', 'chat:lobby', '-', '--url', server.url], { input })).toMatchObject({
      code: 0,
    })
    await sub.stdout.next(/"three"/)
    await server.served.stop('SIGKILL')
    await sub.stderr.next(/^hubbub: connection lost \(.*\); reconnecting…$/)
    await server.restart()
    // Published at once, most likely before sub is back: it arrives as a missed message.
    const more = await run(['pub', 'chat:lobby', '-', '--url', server.url], {
      input: 'four\nfive\n',
    })
    expect(more.code).toBe(0)
    await sub.stderr.next(/^hubbub: reconnected$/)
    expect(await run(['pub', 'chat:lobby', 'six', '--url', server.url])).toMatchObject({ code: 0 })
    await sub.stdout.next(/"six"/)
    const pubs = sub.stdout.lines.map((line) => JSON.parse(line) as JsonPub)
    expect(pubs.map((pub) => pub.data)).toEqual(
      ['one', 'two', 'three', 'four', 'five', 'six'].map((text) => ({ text })),
    )
    expect(pubs.map((pub) => pub.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(new Set(pubs.map((pub) => pub.epoch)).size).toBe(1)
  })

  it('sub --since replays what came after a seq, then goes on live', async () => {
    const { url } = await startServer()
    const input = 'a\nb\nc\n'
    expect((await run(['pub', 'news', '-', '--url', url], { input })).code).toBe(0)
    const sub = start(['sub', 'news', '--since', '1', '--url', url, '--name', 'Reader'])
    await sub.stderr.next(/^hubbub: listening to news/)
    expect((await run(['pub', 'news', 'd', '--url', url, '--name', 'Ann'])).code).toBe(0)
    await sub.stdout.next(/#4 Ann: d$/)
    expect(sub.stdout.lines).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d #2 \S+: b$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d #3 \S+: c$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d #4 Ann: d$/),
    ])
  })

  it('sub ends quietly with exit 0 when the reader of its output goes away', async () => {
    const { url } = await startServer()
    const sub = start(['sub', 'ticks', '--url', url])
    await sub.stderr.next(/^hubbub: listening to ticks/)
    expect((await run(['pub', 'ticks', '1', '--url', url])).code).toBe(0)
    await sub.stdout.next(/: 1$/)
    sub.child.stdout.destroy()
    expect((await run(['pub', 'ticks', '2', '--url', url])).code).toBe(0)
    expect(await sub.exited).toEqual({ code: 0, signal: null })
  })

  it('sub stops with exit 0 on SIGTERM', async () => {
    const { url } = await startServer()
    const sub = start(['sub', 'ticks', '--url', url])
    await sub.stderr.next(/^hubbub: listening to ticks/)
    sub.child.kill('SIGTERM')
    expect(await sub.exited).toEqual({ code: 0, signal: null })
  })
})

describe('hubbub presence and history', () => {
  it('presence lists each person once, without joining the channel', async () => {
    const { url } = await startServer()
    const watcher = start(['sub', 'chat:lobby', '--url', url, '--name', 'Watcher'])
    await watcher.stderr.next(/^hubbub: listening/)
    const other = start(['sub', 'chat:lobby', '--url', url, '--name', 'Zoe'])
    await other.stderr.next(/^hubbub: listening/)
    const listed = await run(['presence', 'chat:lobby', '--url', url, '--name', 'Asker'])
    expect(listed).toMatchObject({ code: 0, stderr: '' })
    expect(listed.stdout.split('\n').filter(Boolean).sort()).toEqual(['Watcher', 'Zoe'])
    const json = await run(['presence', 'chat:lobby', '--json', '--url', url])
    const members = json.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { name: string; user: string; client: string })
    expect(members.map((member) => member.name).sort()).toEqual(['Watcher', 'Zoe'])
    const empty = await run(['presence', 'chat:nobody', '--url', url])
    expect(empty).toMatchObject({ code: 0, stdout: 'no one is in chat:nobody\n' })
  })

  it('presence of a channel without presence exits 1 with the reason', async () => {
    const { url } = await startServer()
    const result = await run(['presence', 'text:broadcast', '--url', url])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'hubbub: presence of text:broadcast refused: channel "text:broadcast" keeps no presence (not_found)\n',
    )
  })

  it('history prints the newest messages, oldest first, for people or as JSON', async () => {
    const { url } = await startServer()
    const input = 'first\nsecond\n{"n":3}\n'
    expect(
      (await run(['pub', 'chat:ops', '-', '--url', url, '--name', 'Bot'], { input })).code,
    ).toBe(0)
    const all = await run(['history', 'chat:ops', '--url', url])
    expect(all.code).toBe(0)
    expect(all.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d #1 Bot: first$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d #2 Bot: second$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d #3 Bot: \{"n":3\}$/),
    ])
    const newest = await run(['history', 'chat:ops', '--limit', '2', '--json', '--url', url])
    expect(parseLines(newest.stdout).map((pub) => pub.seq)).toEqual([2, 3])
    const none = await run(['history', 'chat:empty', '--url', url])
    expect(none).toMatchObject({ code: 0, stdout: 'chat:empty has no messages in history\n' })
  })
})
