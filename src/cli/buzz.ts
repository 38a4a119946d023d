/**
 * `hubbub buzz [url]`: a quiz buzzer. Until the buzzer app (rooms, a host) lands it uses the
 * server's plain `/buzzer` endpoint: one round for everyone, no names.
 */
import { createInterface, emitKeypressEvents } from 'node:readline'
import { parseArgs } from 'node:util'
import type WebSocket from 'ws'
import { resolveServerUrl } from './client-flags.js'
import { Failure } from './failure.js'
import { printLine } from './output.js'
import { paletteFor, type Palette } from './palette.js'
import { printable } from './printable.js'
import { openRawSocket } from './raw-socket.js'
import { whenStopSignal } from './stop-signal.js'
import { ExitCode, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'buzz'
/** The only room until the buzzer app lands: the plain endpoint has one round per server. */
const ONLY_ROOM = 'main'

const help = `Usage: hubbub buzz [url] [options]

A buzzer for quizzes. Press space to buzz: the first buzz of a round gets "First place!",
the others how much later they were ("Response time: 0.42 sec slower."). A round opens
with its first buzz and closes 10 s later (the server's default). Press q or Ctrl+C to
quit.

Until the buzzer app lands (rooms, a host who opens and resets rounds), this uses the
server's plain /buzzer endpoint: everyone connected to it plays in one round and names
are not shown to anyone.

Options:
  -r, --room <name>      the buzzer room: only "${ONLY_ROOM}" until the buzzer app lands
  -u, --url <url>        the hubbub server (env HUBBUB_URL, default ws://localhost:8765);
                         its /buzzer endpoint is used unless the URL names another path
  -n, --name <name>      accepted for the buzzer app to come; not sent today, since
                         /buzzer has no names
  -h, --help             show this help

With piped input, each input line is one buzz, and each answer prints as a line.

Exit codes: 0 quit; 1 the server cannot be reached or closed the connection; 2 usage error.

Examples:
  hubbub buzz --name Alice
  hubbub buzz ws://quiz.example.com:8765
  echo | hubbub buzz          # one buzz, prints the answer
`

interface BuzzSettings {
  url: string
}

/** The server URL with the `/buzzer` path, unless it already names a path. */
export const buzzerUrl = (serverUrl: string): string => {
  const url = new URL(serverUrl)
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/buzzer'
  return url.href
}

const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): BuzzSettings | 'help' => {
  const { values, positionals } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        url: { type: 'string', short: 'u' },
        name: { type: 'string', short: 'n' },
        room: { type: 'string', short: 'r', default: ONLY_ROOM },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  )
  if (values.help) return 'help'
  const [positionalUrl, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra.join(' ')}'`, NAME)
  if (values.room !== ONLY_ROOM)
    throw new UsageError(
      `invalid --room ${JSON.stringify(values.room)}: only "${ONLY_ROOM}" exists until the buzzer app lands`,
      NAME,
    )
  if (values.name?.trim() === '') throw new UsageError('--name must not be empty', NAME)
  return {
    url: buzzerUrl(resolveServerUrl({ url: values.url, positional: positionalUrl }, env, NAME)),
  }
}

/** An answer of /buzzer, styled: first place stands out. */
const styleAnswer = (palette: Palette, answer: string): string =>
  answer.startsWith('First place') ? palette.green(palette.bold(answer)) : printable(answer)

/**
 * Buzzes with the space bar until q or Ctrl+C. While a buzz awaits its answer more presses are
 * ignored, so holding the key down buzzes once.
 */
const playWithKeys = (socket: WebSocket, palette: Palette, quit: () => void): (() => void) => {
  const input = process.stdin
  let isWaiting = false
  emitKeypressEvents(input)
  input.setRawMode(true)
  input.resume()
  const onKey = (
    _text: string | undefined,
    key: { name?: string; ctrl?: boolean } | undefined,
  ): void => {
    if (
      key?.name === 'q' ||
      key?.name === 'escape' ||
      (key?.ctrl === true && (key.name === 'c' || key.name === 'd'))
    ) {
      quit()
      return
    }
    if (key?.name !== 'space' || isWaiting) return
    isWaiting = true
    socket.send('buzz')
  }
  const onAnswer = (data: Buffer): void => {
    isWaiting = false
    printLine(styleAnswer(palette, data.toString('utf8')))
  }
  input.on('keypress', onKey)
  socket.on('message', onAnswer)
  printLine(palette.dim('Press space to buzz, q to quit.'))
  return () => {
    input.off('keypress', onKey)
    input.setRawMode(false)
    input.pause()
  }
}

/** Buzzes once per input line; quits once input has ended and every buzz has its answer. */
const playWithLines = (socket: WebSocket, palette: Palette, quit: () => void): (() => void) => {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })
  let awaiting = 0
  let hasEnded = false
  lines.on('line', () => {
    awaiting += 1
    socket.send('buzz')
  })
  lines.on('close', () => {
    hasEnded = true
    if (awaiting === 0) quit()
  })
  socket.on('message', (data: Buffer) => {
    awaiting = Math.max(0, awaiting - 1)
    printLine(styleAnswer(palette, data.toString('utf8')))
    if (hasEnded && awaiting === 0) quit()
  })
  return () => {
    lines.close()
  }
}

const run = async (args: string[]): Promise<ExitCode> => {
  const settings = resolveSettings(args, process.env)
  if (settings === 'help') {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  const socket = await openRawSocket(
    settings.url,
    [],
    'this needs a hubbub server, whose buzzer is at /buzzer',
  )
  const palette = paletteFor(process.stdout)
  const { stopped, dispose } = whenStopSignal()
  const ending = { isByUs: false }
  const quit = (): void => {
    ending.isByUs = true
    socket.close(1000, 'bye')
  }
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') })
    })
  })
  const failed = new Promise<never>((_resolve, reject) => {
    socket.on('error', (error) => {
      reject(new Failure(`connection to ${settings.url} failed: ${error.message}`))
    })
  })
  const isInteractive = process.stdin.isTTY
  const stop = isInteractive
    ? playWithKeys(socket, palette, quit)
    : playWithLines(socket, palette, quit)
  try {
    void stopped.then(quit)
    const { code, reason } = await Promise.race([closed, failed])
    if (ending.isByUs) return ExitCode.Ok
    const why = reason === '' ? 'no reason given' : reason
    throw new Failure(`the server closed the connection: ${why} (${code})`)
  } finally {
    dispose()
    stop()
  }
}

export const buzz: Command = {
  name: NAME,
  summary: 'a quiz buzzer: press space to buzz',
  help,
  run,
}
