/**
 * `hubbub chat` facing hostile peers: names and texts carrying escape sequences (OSC retitling
 * the window, CSI clearing the screen), carriage returns and line breaks meant to overwrite or fake
 * lines. The CLI runs as a child process, piped and in a pseudo-terminal; what others chose is
 * shown visibly and never reaches the terminal raw. The hostile name comes from a server-side
 * session, which no name check stands in front of: the CLI must not rely on the server's checks.
 */
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { bundledApps } from '../src/apps/index.js'
import { connect, type Client } from '../src/client/node.js'
import { createServer, type HubbubServer, type LocalSession } from '../src/server/index.js'
import { cliEnv, useCliClients } from './support/cli-client.js'
import { usePtys } from './support/pty.js'
import { nextEvent } from './support/sdk.js'

const ESC = '\u001b'
const BEL = '\u0007'
/** A name that would retitle the window and then overwrite its own line with `Server`. */
const HOSTILE_NAME = `Eve${ESC}]0;pwned${BEL}\rServer`
const SHOWN_NAME = 'Eve␛]0;pwned␇␍Server'
/** Texts with escape sequences, carriage-return overwrites and line breaks that fake notices. */
const HOSTILE_TEXTS = [
  `${ESC}]0;pwned${BEL}title`,
  `innocent\r* Vic left`,
  `hi\n* Vic left\n* you are alone in lobby`,
  `${ESC}[2J${ESC}[Hcleared`,
]
const SHOWN_TEXTS = [
  '␛]0;pwned␇title',
  'innocent␍* Vic left',
  'hi␤* Vic left␤* you are alone in lobby',
  '␛[2J␛[Hcleared',
]

const { start } = useCliClients()
const { start: startInPty } = usePtys()

let server: HubbubServer | undefined
const clients = new Set<Client>()
const sessions = new Set<LocalSession>()
afterEach(async () => {
  for (const client of clients) client.close()
  clients.clear()
  await Promise.all([...sessions].map((session) => session.close()))
  sessions.clear()
  await server?.close()
  server = undefined
})

const startServer = async (): Promise<{ hubbub: HubbubServer; url: string }> => {
  const hubbub = await createServer({
    port: 0,
    apps: bundledApps(),
    logger: pino({ level: 'warn' }),
  })
  server = hubbub
  return { hubbub, url: `ws://127.0.0.1:${hubbub.port}` }
}

/** Mallory: an SDK client in chat:lobby, whose name the server checked but whose texts are hers. */
const mallory = async (url: string) => {
  const client = connect(url, { name: 'Mallory' })
  clients.add(client)
  const room = client.channel('chat:lobby')
  await nextEvent(room, 'subscribed')
  return room
}

/** Eve: a member with a hostile name, seated through a server-side session. */
const eve = async (hubbub: HubbubServer): Promise<LocalSession> => {
  const session = hubbub.hub.session({ name: HOSTILE_NAME })
  sessions.add(session)
  await session.subscribe('chat:lobby', () => undefined)
  return session
}

/** A pattern for exactly `line`. */
const exactly = (line: string): RegExp =>
  new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}$`, 'u')

/** Whether `text` holds a control character other than a newline (the CLI's own line ends). */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u
const hasControl = (text: string): boolean => CONTROL.test(text)

describe('hubbub chat shows others’ control characters, never obeys them', () => {
  it('piped: messages, arrivals, /who and departures show names and texts visibly, one line each', async () => {
    const { hubbub, url } = await startServer()
    const alice = start(['chat', url, '--name', 'Alice'], cliEnv())
    await alice.stdout.next(/^\* you are alone in lobby$/)

    const room = await mallory(url)
    await alice.stdout.next(/^\* Mallory joined$/)
    const evil = await eve(hubbub)
    await alice.stdout.next(exactly(`* ${SHOWN_NAME} joined`))

    for (const text of HOSTILE_TEXTS) await room.publish({ text })
    await evil.publish('chat:lobby', { text: `x${ESC}[2J` })
    const last = `${SHOWN_NAME}: x␛[2J`
    await alice.stdout.next(exactly(last))
    alice.write('/who\n')
    await alice.stdout.next(/^\* in lobby: /)
    await evil.close()
    sessions.delete(evil)
    await alice.stdout.next(exactly(`* ${SHOWN_NAME} left`))
    alice.end()
    expect(await alice.exited).toEqual({ code: 0, signal: null })

    const lines = alice.stdout.lines
    const said = lines.filter((line) => !line.startsWith('* '))
    expect(said).toEqual([...SHOWN_TEXTS.map((text) => `Mallory: ${text}`), last])
    const who = lines.find((line) => line.startsWith('* in lobby: ')) ?? ''
    expect(
      who
        .replace('* in lobby: ', '')
        .split(/, | and /u)
        .sort(),
    ).toEqual(['Alice (you)', 'Mallory', SHOWN_NAME].sort())
    expect(lines).toContain(`* ${SHOWN_NAME} left`)
    // Nothing a peer chose reached the output raw: no escape, no BEL, no carriage return.
    expect(hasControl(lines.join('\n'))).toBe(false)
    // Exactly the lines above: none was split into a forged "* Vic left" notice.
    expect(lines.filter((line) => line.startsWith('* Vic'))).toEqual([])
  })

  it('in a terminal: the typing line and messages show ␛, ␇ and ␍; the OSC never reaches the terminal', async () => {
    const { hubbub, url } = await startServer()
    const room = await mallory(url)
    const evil = await eve(hubbub)
    const alice = startInPty(['chat', url, '--name', 'Alice'], {
      env: cliEnv({ NO_COLOR: '1' }),
    })
    await alice.waitFor('the prompt', (screen) =>
      screen.rows().some((row) => row.startsWith('* you are in lobby with')),
    )

    await evil.signal('chat:lobby', { typing: true })
    await alice.waitFor('Eve typing', (screen) =>
      screen.rows().includes(`${SHOWN_NAME} is typing…`),
    )
    for (const text of HOSTILE_TEXTS) await room.publish({ text })
    await alice.waitFor('the last message', (screen) =>
      screen.rows().includes(`Mallory: ${SHOWN_TEXTS.at(-1) ?? ''}`),
    )
    // A typing line lasts 3 s after its signal, and a loaded machine can take longer than that
    // to show the messages: Eve keeps typing, as a real client repeats its signal every second.
    await evil.signal('chat:lobby', { typing: true })
    await alice.waitFor('Eve still typing, beside the messages', (screen) =>
      screen.rows().includes(`${SHOWN_NAME} is typing…`),
    )
    const rows = alice.screen.rows()
    for (const text of SHOWN_TEXTS) expect(rows).toContain(`Mallory: ${text}`)
    expect(rows).toContain(`${SHOWN_NAME} is typing…`)

    const output = alice.output()
    for (const raw of [`${ESC}]0;pwned`, BEL, 'innocent\r', `${ESC}[2J`, `${ESC}[H`])
      expect(output.includes(raw), JSON.stringify(raw)).toBe(false)
    alice.type('\u0003')
    expect(await alice.exited).toEqual({ code: 0, signal: null })
  })
})
