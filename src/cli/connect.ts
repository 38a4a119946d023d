/**
 * `hubbub connect <url>`: a raw WebSocket console, like wscat, for any server. Each input line is
 * sent as one text message; each message received is printed.
 */
import { parseArgs } from 'node:util'
import { resolveServerUrl } from './client-flags.js'
import { formatNotice, formatProblem } from './chat-format.js'
import { Failure } from './failure.js'
import { createLineUi } from './line-ui.js'
import { paletteFor } from './palette.js'
import { printable } from './printable.js'
import { isNormalClose, openRawSocket } from './raw-socket.js'
import { whenStopSignal } from './stop-signal.js'
import { ExitCode, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'connect'
/** After the end of input, how long the server must send nothing before we close. */
const QUIET_MS = 300
/** After the end of input, the longest we wait for the server to go quiet. */
const LINGER_MS = 2_000

const help = `Usage: hubbub connect <url> [options]

A raw WebSocket console for any WebSocket server, like wscat: each line you type is sent as
one text message, and each message received is printed (on a terminal as "< message", above
the line you are typing; through a pipe as it is, one a line). Ends when the server closes
the connection, at Ctrl+C, or at the end of input or Ctrl+D once the server has sent nothing
for 0.3 s (at most 2 s later), so that answers to the last lines still arrive.

Options:
  -s, --subprotocol <p>  offer the subprotocol <p>, e.g. hubbub.v1 (repeat it to offer
                         several); the connection fails if the server accepts none
  -u, --url <url>        the server, instead of the <url> argument
                         (env HUBBUB_URL, default ws://localhost:8765)
  -h, --help             show this help

It sends only what you type, so it has no --name: with hubbub.v1, your first line is a
connect frame such as {"type":"connect","id":1,"name":"Ann"}, and the server's
{"type":"ping"} wants {"type":"pong"} within 10 s (see docs/protocol.md).

Exit codes: 0 closed by you, or by the server normally (1000, 1001); 1 the server cannot be
reached or closed the connection with an error code; 2 usage error.

Examples:
  hubbub connect ws://localhost:8765/echo
  hubbub connect ws://localhost:8765/chat            # your first line is your name
  hubbub connect ws://localhost:8765 --subprotocol hubbub.v1
  echo hello | hubbub connect ws://localhost:8765/upper
`

interface ConnectSettings {
  url: string
  subprotocols: string[]
}

const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): ConnectSettings | 'help' => {
  const { values, positionals } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        url: { type: 'string', short: 'u' },
        subprotocol: { type: 'string', short: 's', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  )
  if (values.help) return 'help'
  const [positionalUrl, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra.join(' ')}'`, NAME)
  const subprotocols = values.subprotocol ?? []
  const invalid = subprotocols.find((protocol) => !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/u.test(protocol))
  if (invalid !== undefined)
    throw new UsageError(
      `invalid --subprotocol ${JSON.stringify(invalid)}: a token without spaces or commas`,
      NAME,
    )
  return {
    url: resolveServerUrl({ url: values.url, positional: positionalUrl }, env, NAME),
    subprotocols,
  }
}

const run = async (args: string[]): Promise<ExitCode> => {
  const settings = resolveSettings(args, process.env)
  if (settings === 'help') {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  const { url } = settings
  const socket = await openRawSocket(
    url,
    settings.subprotocols,
    'is the path right? (hubbub: /, /chat, /echo, /upper, /hello, /broadcast, /buzzer)',
  )
  const palette = paletteFor(process.stdout)
  const { stopped, dispose } = whenStopSignal()
  /** Set once we start closing: how the server answers then does not matter. */
  const ending = { isByUs: false }
  const hangUp = (): void => {
    ending.isByUs = true
    socket.close(1000, 'bye')
  }
  let quiet: NodeJS.Timeout | undefined
  let latest: NodeJS.Timeout | undefined
  /**
   * At the end of input: a server may still be answering the last lines (a buzz is answered once
   * it is stored), and after our close frame nothing it sends arrives. So wait until it has been
   * quiet for QUIET_MS, or LINGER_MS at most when it keeps talking.
   */
  const hangUpWhenQuiet = (): void => {
    if (latest !== undefined) return
    quiet = setTimeout(hangUp, QUIET_MS)
    latest = setTimeout(hangUp, LINGER_MS)
  }
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') })
    })
  })
  const ui = createLineUi(
    {
      onLine(line) {
        if (ui.isInteractive) ui.print(`${palette.dim('>')} ${line}`)
        socket.send(line, (error) => {
          // ws calls back with null on success, whatever its types say.
          if (error instanceof Error) ui.print(formatProblem(palette, `not sent: ${error.message}`))
        })
      },
      onEnd: hangUpWhenQuiet,
      onInterrupt: hangUp,
    },
    '> ',
  )
  socket.on('error', (error) => {
    ui.print(formatProblem(palette, `connection error: ${error.message}`))
  })
  socket.on('message', (data: Buffer, isBinary) => {
    if (quiet !== undefined) quiet.refresh()
    const text = isBinary ? `(binary message, ${data.length} bytes)` : data.toString('utf8')
    // Through a pipe the message is data, passed on as it is; a terminal must not obey it.
    ui.print(ui.isInteractive ? `${palette.dim('<')} ${printable(text)}` : text)
  })
  try {
    if (ui.isInteractive) {
      const agreed = socket.protocol === '' ? '' : ` (subprotocol ${socket.protocol})`
      ui.print(formatNotice(palette, `connected to ${url}${agreed}; Ctrl+D or Ctrl+C to quit`))
    }
    void stopped.then(hangUp)
    const { code, reason } = await closed
    const why = `${reason === '' ? 'no reason given' : reason} (${code})`
    // Even when we were closing: a server that closed first with an error code said why.
    if (!isNormalClose(code)) throw new Failure(`the server closed the connection: ${why}`)
    if (!ending.isByUs && ui.isInteractive)
      ui.print(formatNotice(palette, `the server closed the connection: ${why}`))
    return ExitCode.Ok
  } finally {
    clearTimeout(quiet)
    clearTimeout(latest)
    dispose()
    ui.close()
  }
}

export const connectCommand: Command = {
  name: NAME,
  summary: 'a raw WebSocket console for any server, like wscat',
  help,
  run,
}
