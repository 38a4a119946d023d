/**
 * `hubbub buzz [url]`: a quiz buzzer on the buzzer app. Space buzzes (with the measured round
 * trip, which the server credits); the round's opening and its results show as they happen;
 * `--host` adds the keys to open, close and reset rounds.
 */
import { createInterface, emitKeypressEvents } from 'node:readline'
import { parseArgs } from 'node:util'
import { connectClient, reportReconnects, whenClosedByServer } from './client-connect.js'
import { clientOptions, clientOptionsHelp, resolveServerUrl, resolveWho } from './client-flags.js'
import { joinBuzzerRoom, type BuzzerRoom, type HostAction } from './buzzer-room.js'
import { Failure } from './failure.js'
import { printLine } from './output.js'
import { paletteFor, type Palette } from './palette.js'
import { whenStopSignal } from './stop-signal.js'
import { ExitCode, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'buzz'
const DEFAULT_ROOM = 'main'

const help = `Usage: hubbub buzz [url] [options]

A buzzer for quizzes, in a room of the buzzer app shared with the web buzzer
(http://localhost:8765/buzzer/) and, in room "${DEFAULT_ROOM}", with plain WebSocket clients of
/buzzer. Press space to buzz: the first gets "First place!", the others their place and how
much later they were. The server ranks by arrival minus half your round trip, which this
measures when it connects. Shows when a round opens and, when it ends, who was fastest.
Without a host, a buzz opens a round and it closes 10 s later; with one, the host opens and
closes rounds. Press q or Ctrl+C to quit.

Options:
  -r, --room <name>      the room (1-64 of A-Z a-z 0-9 _ . -; default ${DEFAULT_ROOM})
      --host             host the room: o opens a round, c closes it, r resets it
${clientOptionsHelp}

With piped input, each input line is a buzz (with --host, the lines "open", "close" and
"reset" are the host's actions), each answer prints as a line, and the end of input quits
once every answer is in.

Exit codes: 0 quit; 1 the server cannot be reached, or refused the room; 2 usage error.

Examples:
  hubbub buzz --name Alice
  hubbub buzz ws://quiz.example.com:8765 --room finals --name Bob
  hubbub buzz --room finals --host --name Quizmaster
  echo | hubbub buzz --name bot            # one buzz, prints the answer
`

interface BuzzSettings {
  room: string
  isHost: boolean
  url: string
  name: string | undefined
  /** `--token` or `HUBBUB_TOKEN`. */
  token: string | undefined
}

const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): BuzzSettings | 'help' => {
  const { values, positionals } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...clientOptions,
        room: { type: 'string', short: 'r', default: DEFAULT_ROOM },
        host: { type: 'boolean', default: false },
      },
    }),
  )
  if (values.help) return 'help'
  const [positionalUrl, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra.join(' ')}'`, NAME)
  if (values.room === '') throw new UsageError('--room must not be empty', NAME)
  return {
    room: values.room,
    isHost: values.host,
    url: resolveServerUrl({ url: values.url, positional: positionalUrl }, env, NAME),
    ...resolveWho(values, env, NAME),
  }
}

const HOST_KEYS: Record<string, HostAction> = { o: 'open', c: 'close', r: 'reset' }

/**
 * Buzzes with the space bar until q or Ctrl+C; with `isHost`, o, c and r act on the round.
 * While a buzz awaits its answer more presses are ignored, so holding the key buzzes once.
 */
const playWithKeys = (room: BuzzerRoom, isHost: boolean, quit: () => void): (() => void) => {
  const input = process.stdin
  let isBuzzing = false
  emitKeypressEvents(input)
  input.setRawMode(true)
  input.resume()
  const onKey = (_text: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
    const name = key?.name ?? ''
    if (name === 'q' || name === 'escape' || (key?.ctrl === true && ['c', 'd'].includes(name))) {
      quit()
      return
    }
    const action = HOST_KEYS[name]
    if (isHost && action !== undefined) {
      void room.host(action)
      return
    }
    if (name !== 'space' || isBuzzing) return
    isBuzzing = true
    void room.buzz().finally(() => {
      isBuzzing = false
    })
  }
  input.on('keypress', onKey)
  return () => {
    input.off('keypress', onKey)
    input.setRawMode(false)
    input.pause()
  }
}

/** One buzz (or host action) per input line, in order; quits once input ended and all are done. */
const playWithLines = (room: BuzzerRoom, isHost: boolean, quit: () => void): (() => void) => {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })
  let queue = Promise.resolve()
  lines.on('line', (line) => {
    const word = line.trim().toLowerCase()
    const action =
      isHost && (word === 'open' || word === 'close' || word === 'reset') ? word : undefined
    queue = queue.then(() => (action === undefined ? room.buzz() : room.host(action)))
  })
  lines.on('close', () => {
    void queue.then(quit)
  })
  return () => {
    lines.close()
  }
}

const hint = (palette: Palette, settings: BuzzSettings): string =>
  palette.dim(
    settings.isHost
      ? `* room ${settings.room}: space to buzz, o/c/r to open/close/reset the round, q to quit`
      : `* room ${settings.room}: press space to buzz, q to quit`,
  )

const run = async (args: string[]): Promise<ExitCode> => {
  const settings = resolveSettings(args, process.env)
  if (settings === 'help') {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  const palette = paletteFor(process.stdout)
  const client = await connectClient(settings.url, { name: settings.name, token: settings.token })
  const { stopped, dispose } = whenStopSignal()
  const serverClose = whenClosedByServer(client)
  let quit: () => void = () => undefined
  const quitted = new Promise<void>((resolve) => {
    quit = resolve
  })
  let fail: (error: Failure) => void = () => undefined
  const failed = new Promise<never>((_resolve, reject) => {
    fail = reject
  })
  let stopPlaying = (): void => undefined
  try {
    const room = joinBuzzerRoom(
      client,
      settings.room,
      { print: printLine, onFailure: fail },
      palette,
    )
    reportReconnects(client, (text) => {
      printLine(palette.dim(`* ${text}`))
    })
    // Measured again after each reconnect: the route may have changed.
    client.on('connected', () => {
      room.measure().catch((error: unknown) => {
        printLine(palette.red(`* could not measure the round trip: ${String(error)}`))
      })
    })
    const ended = Promise.race([quitted, stopped, failed, serverClose.closed])
    const measured = room.measure().then(
      () => 'measured' as const,
      (error: unknown) => {
        const why = error instanceof Error ? error.message : String(error)
        throw new Failure(`cannot use the buzzer of ${settings.url}: ${why}`)
      },
    )
    if ((await Promise.race([measured, ended])) !== 'measured') return ExitCode.Ok
    const isInteractive = process.stdin.isTTY
    if (isInteractive) printLine(hint(palette, settings))
    stopPlaying = isInteractive
      ? playWithKeys(room, settings.isHost, quit)
      : playWithLines(room, settings.isHost, quit)
    await ended
  } finally {
    stopPlaying()
    dispose()
    serverClose.stop()
    client.close()
  }
  return ExitCode.Ok
}

export const buzz: Command = {
  name: NAME,
  summary: 'a quiz buzzer: press space to buzz',
  help,
  run,
}
