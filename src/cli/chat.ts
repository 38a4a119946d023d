/**
 * `hubbub chat [url]`: an interactive chat in `chat:<room>`. On a terminal, messages print above
 * the line being typed and a status line shows who is typing; with pipes, plain lines in and out.
 */
import { parseArgs } from 'node:util'
import { connectClient, reportReconnects, whenClosedByServer } from './client-connect.js'
import { clientOptions, clientOptionsHelp, resolveServerUrl, resolveWho } from './client-flags.js'
import { chatCommandsHelp, formatNotice, formatProblem } from './chat-format.js'
import { enterRoom, type ChatRoom } from './chat-room.js'
import { Failure } from './failure.js'
import { createLineUi } from './line-ui.js'
import { paletteFor } from './palette.js'
import { whenStopSignal } from './stop-signal.js'
import { ExitCode, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'chat'
const DEFAULT_ROOM = 'lobby'
/** How long leaving waits for messages the server has not confirmed yet. */
const FLUSH_TIMEOUT_MS = 5_000

const help = `Usage: hubbub chat [url] [options]

An interactive chat in a room, shared with everyone else in it: other terminals, the web
chat, and plain WebSocket clients of /chat (who are in the room lobby). Shows the last
messages on entry, then each message as it arrives, above the line you are typing; others
see when you are typing. When the connection drops it says so, reconnects by itself and
shows what was missed, once.

Type a line and press Enter to send it. Commands:
${chatCommandsHelp.map((line) => `  ${line}`).join('\n')}

Options:
  -r, --room <name>      the room to enter: the channel chat:<name> (default ${DEFAULT_ROOM})
${clientOptionsHelp}

With piped input or output there is no prompt: each input line is a message or a command,
and everything prints as plain lines. The end of input leaves the room.

Exit codes: 0 left the room; 1 the server cannot be reached or closed the connection for
good; 2 usage error.

Examples:
  hubbub chat --name Alice
  hubbub chat ws://chat.example.com:8765 --name Bob --room ops
  printf 'deploy done\\n' | hubbub chat --name ci-bot --room ops
`

interface ChatSettings {
  room: string
  url: string
  name: string | undefined
  /** `--token` or `HUBBUB_TOKEN`. */
  token: string | undefined
}

/** A room name: `lobby`, or `chat:lobby` for the same room. No spaces. */
const parseRoom = (value: string): string | undefined => {
  const room = value.startsWith('chat:') ? value.slice('chat:'.length) : value
  return /^\S+$/u.test(room) ? room : undefined
}

const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): ChatSettings | 'help' => {
  const { values, positionals } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...clientOptions, room: { type: 'string', short: 'r' } },
    }),
  )
  if (values.help) return 'help'
  const [positionalUrl, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra.join(' ')}'`, NAME)
  const room = parseRoom(values.room ?? DEFAULT_ROOM)
  if (room === undefined)
    throw new UsageError(`invalid --room ${JSON.stringify(values.room)}: no spaces`, NAME)
  return {
    room,
    url: resolveServerUrl({ url: values.url, positional: positionalUrl }, env, NAME),
    ...resolveWho(values, env, NAME),
  }
}

const promptFor = (room: string): string => `${room}> `

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
  let leave: () => void = () => undefined
  const left = new Promise<void>((resolve) => {
    leave = resolve
  })
  let room: ChatRoom | undefined
  /** Messages not yet confirmed by the server. */
  const sending = new Set<Promise<void>>()
  /** Commands run one after the other, so that lines after `/room x` go to room x. */
  let commands = Promise.resolve()

  const ui = createLineUi(
    {
      onLine(line) {
        commands = commands
          .then(() => handleLine(line))
          .catch((error: unknown) => {
            problem(error instanceof Error ? error.message : String(error))
          })
      },
      onEdit(line) {
        room?.typed(line)
      },
      onEnd: leave,
      onInterrupt: leave,
    },
    promptFor(settings.room),
  )
  const notice = (text: string): void => {
    ui.print(formatNotice(palette, text))
  }
  const problem = (text: string): void => {
    ui.print(formatProblem(palette, text))
  }

  const handleLine = async (line: string): Promise<void> => {
    if (line.trim() === '') return
    if (!line.startsWith('/') || line.startsWith('//')) {
      const text = line.startsWith('//') ? line.slice(1) : line
      if (room === undefined) return
      const sent = room.say(text)
      sending.add(sent)
      void sent.finally(() => sending.delete(sent))
      return
    }
    const [command = '', ...rest] = line.slice(1).trim().split(/\s+/u)
    switch (command) {
      case 'quit':
      case 'exit':
        leave()
        return
      case 'who':
        await room?.who()
        return
      case 'room': {
        const next = rest[0] === undefined ? undefined : parseRoom(rest[0])
        if (next === undefined) {
          notice(`you are in ${room?.name ?? '(no room)'}; /room <name> goes to another`)
          return
        }
        const previous = room
        room = undefined
        try {
          await previous?.leave()
        } catch (error) {
          // Gone from the screen anyway; the server drops the subscription when the link does.
          problem(
            `could not leave ${previous?.name ?? ''}: ${error instanceof Error ? error.message : String(error)}`,
          )
        }
        room = enterRoom(client, next, ui, palette)
        ui.setPrompt(promptFor(next))
        return
      }
      case 'help':
        for (const text of ['commands:', ...chatCommandsHelp]) notice(text)
        return
      default:
        problem(`unknown command /${command}; /help lists the commands`)
    }
  }

  try {
    notice(`connected to ${settings.url} as ${client.session?.name ?? settings.name ?? '?'}`)
    room = enterRoom(client, settings.room, ui, palette)
    reportReconnects(client, notice)
    client.on('error', (error) => {
      problem(error.message)
    })
    await Promise.race([left, stopped, serverClose.closed])
    await commands
    const unsent = await flush(sending)
    if (unsent > 0) throw new Failure(`${unsent} message(s) were not confirmed by the server`)
  } finally {
    dispose()
    serverClose.stop()
    ui.close()
    client.close()
  }
  return ExitCode.Ok
}

/** Waits up to {@link FLUSH_TIMEOUT_MS} for `sending`; resolves with how many are still out. */
const flush = async (sending: Set<Promise<void>>): Promise<number> => {
  if (sending.size === 0) return 0
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, FLUSH_TIMEOUT_MS)
  })
  await Promise.race([Promise.allSettled([...sending]), timedOut])
  clearTimeout(timer)
  return sending.size
}

export const chat: Command = {
  name: NAME,
  summary: 'chat in a room, interactively',
  help,
  run,
}
