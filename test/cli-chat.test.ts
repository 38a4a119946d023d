/**
 * `hubbub chat` as people use it: piped (scripts) next to a plain WebSocket client of /chat and
 * an SDK client, across a server restart, and in a pseudo-terminal, where the line being typed
 * must stay intact while messages arrive.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { connect, type Client } from '../src/client/node.js'
import { cliEnv, useCliClients } from './support/cli-client.js'
import { useServeProcesses } from './support/cli-process.js'
import { Inbox, opened } from './support/frames.js'
import { usePtys } from './support/pty.js'
import type { Screen } from './support/screen.js'
import { nextEvent } from './support/sdk.js'

const { serve } = useServeProcesses()
const { start } = useCliClients()
const { start: startInPty } = usePtys()

const dataRoot = mkdtempSync(join(tmpdir(), 'hubbub-cli-chat-'))
let dataDirs = 0
afterAll(() => {
  rmSync(dataRoot, { recursive: true, force: true })
})

const sockets = new Set<WebSocket>()
const clients = new Set<Client>()
afterEach(() => {
  for (const socket of sockets) socket.terminate()
  sockets.clear()
  for (const client of clients) client.close()
  clients.clear()
})

const startServer = async () => {
  const dataDir = join(dataRoot, `data-${(dataDirs += 1)}`)
  const served = await serve(['--port', '0', '--data', dataDir])
  return {
    served,
    port: served.port,
    url: `ws://127.0.0.1:${served.port}`,
    restart: () => serve(['--port', String(served.port), '--data', dataDir]),
  }
}

/** A plain WebSocket client of /chat, as a tutorial writes one: its first message is its name. */
const plainChat = async (port: number, name: string) => {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/chat`)
  sockets.add(socket)
  const inbox = new Inbox<string>()
  socket.on('message', (data: Buffer) => {
    inbox.push(data.toString('utf8'))
  })
  await opened(socket)
  socket.send(name)
  return { socket, inbox }
}

/** Message lines (`Name: text`) of a chat transcript, notices (`* …`) left out. */
const messagesOf = (lines: readonly string[]): string[] =>
  lines.filter((line) => /^[^*\s][^:]*: /u.test(line))

describe('hubbub chat, piped', () => {
  it('shares a room with other chats and plain clients: history, arrivals, /who, /room, /quit', async () => {
    const { url, port } = await startServer()
    const env = cliEnv()
    const earlier = start(['pub', 'chat:lobby', 'from before', '--url', url, '--name', 'Old'], env)
    expect(await earlier.exited).toEqual({ code: 0, signal: null })

    const alice = start(['chat', url, '--name', 'Alice'])
    await alice.stdout.next(/^\* you are alone in lobby$/)
    expect(alice.stdout.lines).toEqual([
      `* connected to ${url} as Alice`,
      '* earlier in lobby:',
      'Old: from before',
      '* you are alone in lobby',
    ])

    const carol = await plainChat(port, 'Carol')
    await alice.stdout.next(/^\* Carol joined$/)
    const bob = start(['chat', '--url', url, '--name', 'Bob'])
    await bob.stdout.next(/^\* you are in lobby with (Alice and Carol|Carol and Alice)$/)
    await alice.stdout.next(/^\* Bob joined$/)
    await carol.inbox.take((line) => line === '[Server]: Bob has joined the chat.')

    alice.write('hello everyone\n')
    await bob.stdout.next(/^Alice: hello everyone$/)
    await carol.inbox.take((line) => line === '[Alice]: hello everyone')
    carol.socket.send('hi from a plain client')
    await alice.stdout.next(/^Carol: hi from a plain client$/)
    await bob.stdout.next(/^Carol: hi from a plain client$/)

    bob.write('/who\n')
    const who = await bob.stdout.next(/^\* in lobby: /)
    expect(
      who
        .replace('* in lobby: ', '')
        .split(/, | and /u)
        .sort(),
    ).toEqual(['Alice', 'Bob (you)', 'Carol'])

    bob.write('/room ops\nops only\n')
    await alice.stdout.next(/^\* Bob left$/)
    await bob.stdout.next(/^\* you are alone in ops$/)
    const switchedAt = alice.stdout.lines.length
    alice.write('/room chat:ops\n')
    await alice.stdout.next(/^\* you are in ops with Bob$/, switchedAt)
    // From the room's history, or live if it was still on its way: once either way.
    await alice.stdout.next(/^Bob: ops only$/, switchedAt)

    alice.write('/quit\n')
    expect(await alice.exited).toEqual({ code: 0, signal: null })
    await bob.stdout.next(/^\* Alice left$/)
    bob.end()
    expect(await bob.exited).toEqual({ code: 0, signal: null })
    expect(messagesOf(bob.stdout.lines)).toEqual([
      'Old: from before',
      'Alice: hello everyone',
      'Carol: hi from a plain client',
      'Bob: ops only',
    ])
    expect(messagesOf(alice.stdout.lines)).toEqual([
      'Old: from before',
      'Alice: hello everyone',
      'Carol: hi from a plain client',
      'Bob: ops only',
    ])
  })

  it('says when the link drops, reconnects by itself and shows every message once, in order', async () => {
    const server = await startServer()
    const alice = start(['chat', server.url, '--name', 'Alice'])
    await alice.stdout.next(/^\* you are alone in lobby$/)
    const bob = start(['chat', server.url, '--name', 'Bob'])
    await bob.stdout.next(/^\* you are in lobby with Alice$/)
    bob.write('before the restart\n')
    await alice.stdout.next(/^Bob: before the restart$/)

    await server.served.stop('SIGTERM')
    const dropped = /^\* connection lost \(the server is shutting down\); reconnecting…$/u
    await alice.stdout.next(dropped)
    await bob.stdout.next(dropped)
    bob.write('while the server is down\n')
    await bob.stdout.next(/^Bob: while the server is down$/)
    await server.restart()
    await alice.stdout.next(/^\* reconnected$/)
    await bob.stdout.next(/^\* reconnected$/)
    await alice.stdout.next(/^Bob: while the server is down$/)
    alice.write('after the restart\n')
    await bob.stdout.next(/^Alice: after the restart$/)

    const expected = [
      'Bob: before the restart',
      'Bob: while the server is down',
      'Alice: after the restart',
    ]
    expect(messagesOf(alice.stdout.lines)).toEqual(expected)
    expect(messagesOf(bob.stdout.lines)).toEqual(expected)
    alice.end()
    bob.end()
    expect(await alice.exited).toEqual({ code: 0, signal: null })
    expect(await bob.exited).toEqual({ code: 0, signal: null })
  })
})

const ESC = String.fromCharCode(27)

/** The row the cursor is on. */
const cursorRow = (screen: Screen): string => screen.rows()[screen.cursor().row] ?? ''

/** The non-blank rows of everything shown so far, scrolled-off ones included. */
const shownRows = (screen: Screen): string[] => screen.transcript().filter((row) => row !== '')

describe('hubbub chat, in a terminal', () => {
  it('keeps the line being typed intact while messages arrive, and shows who is typing', async () => {
    const { url } = await startServer()
    const bob = connect(url, { name: 'Bob' })
    clients.add(bob)
    const room = bob.channel('chat:lobby')
    await nextEvent(room, 'subscribed')

    const alice = startInPty(['chat', url, '--name', 'Alice'], { columns: 60, rows: 12 })
    await alice.waitFor(
      'the welcome',
      (screen) =>
        screen.rows().includes('* you are in lobby with Bob') && cursorRow(screen) === 'lobby>',
    )
    expect(shownRows(alice.screen)).toEqual([
      `* connected to ${url} as Alice`,
      '* you are in lobby with Bob',
      'lobby>',
    ])

    // Alice types half a line: Bob hears that she is typing.
    const aliceTypes = nextEvent(room, 'signal', ({ from }) => from.name === 'Alice')
    alice.type('half a li')
    await alice.waitFor('the half line', (screen) => cursorRow(screen) === 'lobby> half a li')
    expect((await aliceTypes).data).toEqual({ typing: true })

    // Bob types: Alice sees it on a status line above her prompt, her half line still there.
    room.signal({ typing: true })
    await alice.waitFor(
      'Bob typing',
      (screen) =>
        screen.rows().includes('Bob is typing…') && cursorRow(screen) === 'lobby> half a li',
    )
    const typingRows = alice.screen.rows()
    const typingAt = typingRows.indexOf('Bob is typing…')
    expect(typingRows[typingAt + 1]).toBe('lobby> half a li')

    // His message arrives: printed above the prompt, the typing line gone, the half line intact.
    await room.publish({ text: 'hello from Bob' })
    await alice.waitFor(
      'Bob’s message',
      (screen) =>
        screen.rows().includes('Bob: hello from Bob') && cursorRow(screen) === 'lobby> half a li',
    )
    expect(shownRows(alice.screen)).toEqual([
      `* connected to ${url} as Alice`,
      '* you are in lobby with Bob',
      'Bob: hello from Bob',
      'lobby> half a li',
    ])
    expect(alice.screen.cursor().column).toBe('lobby> half a li'.length)

    // A long line that wraps over the prompt's width, while Alice's own input wraps too.
    const long = `a long line ${'-'.repeat(70)} end`
    const aliceLong = `${'y'.repeat(60)}Z`
    alice.type(`ne\r${aliceLong}`)
    await nextEvent(
      room,
      'message',
      (pub) => (pub.data as { text?: string }).text === 'half a line',
    )
    const inputTail = `lobby> ${aliceLong}`.slice(60)
    await alice.waitFor('Alice’s long input', (screen) => cursorRow(screen) === inputTail)
    await room.publish({ text: long })
    await alice.waitFor(
      'the long message',
      (screen) =>
        screen.rows().some((row) => row.endsWith(' end')) && cursorRow(screen) === inputTail,
    )
    const rows = shownRows(alice.screen)
    expect(rows.slice(-6)).toEqual([
      'Bob: hello from Bob',
      'Alice: half a line',
      `Bob: ${long}`.slice(0, 60),
      `Bob: ${long}`.slice(60),
      `lobby> ${aliceLong}`.slice(0, 60),
      `lobby> ${aliceLong}`.slice(60),
    ])
    expect(alice.screen.cursor()).toEqual({ row: 7, column: `lobby> ${aliceLong}`.length - 60 })

    // Names are coloured on a terminal.
    expect(alice.output()).toMatch(new RegExp(`${ESC}\\[\\d+mBob${ESC}\\[39m`, 'u'))

    alice.type('\u0015/quit\r')
    expect(await alice.exited).toEqual({ code: 0, signal: null })
    expect(cursorRow(alice.screen)).toBe('')
  })

  it('uses no colours with NO_COLOR, shows control characters safely, leaves with Ctrl+C', async () => {
    const { url } = await startServer()
    const bob = connect(url, { name: 'Bob' })
    clients.add(bob)
    const room = bob.channel('chat:lobby')
    await nextEvent(room, 'subscribed')
    const alice = startInPty(['chat', url, '--name', 'Alice'], { env: cliEnv({ NO_COLOR: '1' }) })
    await alice.waitFor('the prompt', (screen) => cursorRow(screen) === 'lobby>')
    // Escape sequences from others are shown, not obeyed: this one would clear the screen.
    await room.publish({ text: `plain ${ESC}[2J` })
    await alice.waitFor('Bob’s message', (screen) => screen.rows().includes('Bob: plain ␛[2J'))
    expect(alice.screen.rows()[0]).toBe(`* connected to ${url} as Alice`)
    alice.type('\u0003')
    expect(await alice.exited).toEqual({ code: 0, signal: null })
    expect(alice.output()).not.toMatch(new RegExp(`${ESC}\\[[\\d;]*m`, 'u'))
  })
})
