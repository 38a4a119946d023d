/**
 * `hubbub sub <channel>`: prints a channel's messages as they arrive, resuming across reconnects
 * (every message once, in order); `--since SEQ` first replays what came after SEQ.
 */
import { parseArgs } from 'node:util'
import type { Pub } from '../client/node.js'
import { connectClient, reportReconnects, whenClosedByServer } from './client-connect.js'
import { clientOptions, clientOptionsHelp, resolveServerUrl, resolveWho } from './client-flags.js'
import { Failure } from './failure.js'
import { printLine, printNotice, whenStdoutClosed } from './output.js'
import { paletteFor } from './palette.js'
import { formatPub, formatPubJson } from './pub-format.js'
import { replaySince } from './replay-since.js'
import { whenStopSignal } from './stop-signal.js'
import { ExitCode, parseCount, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'sub'

const help = `Usage: hubbub sub <channel> [options]

Prints the messages of a channel as they arrive, until Ctrl+C. When the connection drops it
reconnects by itself and resumes where it was, so every message is printed once, in order.
Messages go to stdout; notices ("listening to <channel>", "reconnecting…", "reconnected")
go to stderr.

Options:
      --since <seq>      first print what was published after <seq> (from the channel's
                         history), then the live messages
      --json             one JSON object a line, for scripts:
                         {"channel","seq","epoch","time","from","data"}
${clientOptionsHelp}

Without --json a message prints as "12:03:04 #7 Alice: hello" ({"text": …} data) or with
its data as JSON.

Exit codes: 0 stopped by Ctrl+C or SIGTERM, or the reader of stdout went away; 1 the server
cannot be reached or refused the subscription; 2 usage error.

Examples:
  hubbub sub chat:lobby
  hubbub sub chat:lobby --json | jq -r .data.text
  hubbub sub alerts --since 0              # what history still holds, then live
  HUBBUB_URL=ws://hub.example.com:8765 hubbub sub alerts
`

interface SubSettings {
  channel: string
  sinceSeq: number | undefined
  isJson: boolean
  url: string
  name: string | undefined
  /** `--token` or `HUBBUB_TOKEN`. */
  token: string | undefined
}

const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): SubSettings | 'help' => {
  const { values, positionals } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...clientOptions,
        since: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }),
  )
  if (values.help) return 'help'
  const [channel, ...extra] = positionals
  if (channel === undefined || channel === '') throw new UsageError('missing <channel>', NAME)
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra.join(' ')}'`, NAME)
  return {
    channel,
    sinceSeq: values.since === undefined ? undefined : parseCount(values.since, '--since', NAME),
    isJson: values.json,
    url: resolveServerUrl({ url: values.url }, env, NAME),
    ...resolveWho(values, env, NAME),
  }
}

const run = async (args: string[]): Promise<ExitCode> => {
  const settings = resolveSettings(args, process.env)
  if (settings === 'help') {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  const { channel, sinceSeq } = settings
  const palette = paletteFor(process.stdout)
  const print = settings.isJson
    ? (pub: Pub) => {
        printLine(formatPubJson(channel, pub))
      }
    : (pub: Pub) => {
        printLine(formatPub(pub, palette))
      }
  const listening = `listening to ${channel} (Ctrl+C to stop)`
  const client = await connectClient(settings.url, { name: settings.name, token: settings.token })
  const { stopped, dispose } = whenStopSignal()
  const serverClose = whenClosedByServer(client)
  try {
    const sub = client.channel(channel)
    /** Live messages held back while `--since` replays history. */
    let backlog: Pub[] | undefined = sinceSeq === undefined ? undefined : []
    sub.on('message', (pub) => {
      if (backlog === undefined) print(pub)
      else backlog.push(pub)
    })
    const failed = new Promise<never>((_resolve, reject) => {
      sub.on('error', (error) => {
        reject(new Failure(`cannot subscribe to ${channel}: ${error.message} (${error.code})`))
      })
      sub.on('unsubscribed', ({ code, reason }) => {
        reject(new Failure(`the server ended the subscription to ${channel}: ${reason} (${code})`))
      })
      sub.on('subscribed', (start) => {
        if (start.wasRecovering) return
        if (sinceSeq === undefined) {
          printNotice(listening)
          return
        }
        replaySince(sub, sinceSeq, start).then(
          ({ pubs, lost }) => {
            if (lost !== undefined)
              printNotice(`messages #${lost[0]} to #${lost[1]} are no longer in history`)
            for (const pub of pubs) print(pub)
            for (const pub of backlog ?? []) print(pub)
            backlog = undefined
            printNotice(listening)
          },
          (error: unknown) => {
            const message = error instanceof Error ? error.message : String(error)
            reject(new Failure(`cannot read the history of ${channel}: ${message}`))
          },
        )
      })
    })
    sub.on('reset', ({ seq }) => {
      printNotice(`missed messages are no longer in history; continuing after #${seq}`)
    })
    reportReconnects(client, printNotice)
    client.on('error', (error) => {
      printNotice(`warning: ${error.message}`)
    })
    await Promise.race([stopped, whenStdoutClosed(), failed, serverClose.closed])
  } finally {
    dispose()
    serverClose.stop()
    client.close()
  }
  return ExitCode.Ok
}

export const sub: Command = {
  name: NAME,
  summary: 'print the messages of a channel as they arrive',
  help,
  run,
}
