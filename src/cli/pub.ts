/**
 * `hubbub pub <channel> <data>`: publishes once and exits; `hubbub pub <channel> -` publishes
 * each line of stdin as it arrives (`tail -f log | hubbub pub logs -`).
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { HubbubError, type Client } from '../client/node.js'
import { connectClient, reportReconnects, whenClosedByServer } from './client-connect.js'
import { clientOptions, clientOptionsHelp, resolveServerUrl, resolveWho } from './client-flags.js'
import { Failure } from './failure.js'
import { printNotice } from './output.js'
import { toPublishData } from './pub-data.js'
import { publishPatiently } from './publish-retry.js'
import { whenStopSignal } from './stop-signal.js'
import { ExitCode, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'pub'

const help = `Usage: hubbub pub <channel> <data> [options]
       hubbub pub <channel> - [options]

Publishes <data> to a channel and exits; with "-", publishes each line of stdin as it comes
(blank lines are skipped) until stdin ends. Valid JSON is published as it is; anything else as
{"text": …}, which chat rooms show as a message. Publications made while the connection is down
wait, and go out once it is back, each exactly once.

Options:
      --key <key>        idempotency key: publishing again with the same key within the
                         server's dedup window (2 min by default) delivers nothing new;
                         with "-", line n gets the key "<key>:<n>". Keys are per user:
                         a new run is the same user only with the same --token
      --text             always publish {"text": …}, even text that is valid JSON
${clientOptionsHelp}

Exit codes: 0 everything was published; 1 the server cannot be reached or refused a
publication (the line gives its reason, e.g. too_large; with "-" the first refusal stops);
2 usage error.

Examples:
  hubbub pub alerts '{"level":"warn","text":"disk 91% full"}'
  hubbub pub chat:lobby 'Hello from a script'
  tail -f /var/log/app.log | hubbub pub logs -
  hubbub pub orders '{"id":42}' --key order-42 --token "$TOKEN"   # safe to run twice
`

interface PubSettings {
  channel: string
  /** The data argument, or `-` for stdin. */
  source: string
  key: string | undefined
  isText: boolean
  url: string
  name: string | undefined
  /** `--token` or `HUBBUB_TOKEN`. */
  token: string | undefined
}

const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): PubSettings | 'help' => {
  const { values, positionals } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...clientOptions,
        key: { type: 'string' },
        text: { type: 'boolean', default: false },
      },
    }),
  )
  if (values.help) return 'help'
  const [channel, source, ...extra] = positionals
  if (channel === undefined || channel === '') throw new UsageError('missing <channel>', NAME)
  if (source === undefined)
    throw new UsageError('missing <data> (or "-" to publish the lines of stdin)', NAME)
  if (extra.length > 0)
    throw new UsageError(
      `unexpected argument '${extra.join(' ')}' (quote data that has spaces)`,
      NAME,
    )
  if (values.key === '') throw new UsageError('--key must not be empty', NAME)
  return {
    channel,
    source,
    key: values.key,
    isText: values.text,
    url: resolveServerUrl({ url: values.url }, env, NAME),
    ...resolveWho(values, env, NAME),
  }
}

/** The one line for a refused publication. */
const refusal = (channel: string, error: unknown, where = ''): Error => {
  if (error instanceof HubbubError)
    return new Failure(`${where}publish to ${channel} refused: ${error.message} (${error.code})`)
  return error instanceof Error ? error : new Error(String(error))
}

/** Publishes each non-blank line of stdin in order; resolves at the end of stdin. */
const publishLines = async (client: Client, settings: PubSettings): Promise<void> => {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
  let lineNumber = 0
  for await (const line of lines) {
    lineNumber += 1
    if (line.trim() === '') continue
    const key = settings.key === undefined ? undefined : `${settings.key}:${lineNumber}`
    const data = toPublishData(line, settings.isText)
    try {
      await publishPatiently(client, settings.channel, data, key)
    } catch (error) {
      lines.close()
      throw refusal(settings.channel, error, `line ${lineNumber}: `)
    }
  }
}

const run = async (args: string[]): Promise<ExitCode> => {
  const settings = resolveSettings(args, process.env)
  if (settings === 'help') {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  const client = await connectClient(settings.url, { name: settings.name, token: settings.token })
  const { stopped, dispose } = whenStopSignal()
  const serverClose = whenClosedByServer(client)
  reportReconnects(client, printNotice)
  client.on('error', (error) => {
    printNotice(`warning: ${error.message}`)
  })
  try {
    const published =
      settings.source === '-'
        ? publishLines(client, settings)
        : publishPatiently(
            client,
            settings.channel,
            toPublishData(settings.source, settings.isText),
            settings.key,
          ).catch((error: unknown) => {
            throw refusal(settings.channel, error)
          })
    await Promise.race([published, stopped, serverClose.closed])
  } finally {
    dispose()
    serverClose.stop()
    client.close()
  }
  return ExitCode.Ok
}

export const pub: Command = {
  name: NAME,
  summary: 'publish a message, or each line of stdin, to a channel',
  help,
  run,
}
