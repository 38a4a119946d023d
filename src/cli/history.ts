/** `hubbub history <channel>`: the publications a channel still keeps. */
import { parseArgs } from 'node:util'
import { HubbubError, type HistoryResult } from '../client/node.js'
import { withClient } from './client-connect.js'
import { clientOptions, clientOptionsHelp, resolveServerUrl, resolveWho } from './client-flags.js'
import { Failure } from './failure.js'
import { printLine } from './output.js'
import { paletteFor } from './palette.js'
import { formatPub, formatPubJson } from './pub-format.js'
import { ExitCode, parseCount, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'history'

const help = `Usage: hubbub history <channel> [options]

Prints the messages a channel still keeps in its history, oldest first, and exits. Reading
history does not join the channel.

Options:
      --limit <n>        only the newest <n> (default: all the channel keeps; chat rooms
                         keep 200 for a day)
      --json             one JSON object a line: {"channel","seq","epoch","time","from","data"}
${clientOptionsHelp}

Exit codes: 0 ok; 1 the server cannot be reached or refused; 2 usage error.

Examples:
  hubbub history chat:lobby
  hubbub history chat:lobby --limit 5
  hubbub history alerts --json | jq -c .data
`

interface HistorySettings {
  channel: string
  limit: number | undefined
  isJson: boolean
  url: string
  name: string | undefined
  /** `--token` or `HUBBUB_TOKEN`. */
  token: string | undefined
}

const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): HistorySettings | 'help' => {
  const { values, positionals } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...clientOptions,
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }),
  )
  if (values.help) return 'help'
  const [channel, ...extra] = positionals
  if (channel === undefined || channel === '') throw new UsageError('missing <channel>', NAME)
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra.join(' ')}'`, NAME)
  const limit = values.limit === undefined ? undefined : parseCount(values.limit, '--limit', NAME)
  if (limit === 0) throw new UsageError('--limit must be 1 or more', NAME)
  return {
    channel,
    limit,
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
  const { channel } = settings
  let result: HistoryResult
  try {
    result = await withClient(
      settings.url,
      { name: settings.name, token: settings.token },
      (client) =>
        client.history(channel, settings.limit === undefined ? {} : { limit: settings.limit }),
    )
  } catch (error) {
    if (!(error instanceof HubbubError)) throw error
    throw new Failure(`history of ${channel} refused: ${error.message} (${error.code})`)
  }
  if (settings.isJson) {
    for (const pub of result.pubs) printLine(formatPubJson(channel, pub))
    return ExitCode.Ok
  }
  const palette = paletteFor(process.stdout)
  if (result.pubs.length === 0) printLine(palette.dim(`${channel} has no messages in history`))
  for (const pub of result.pubs) printLine(formatPub(pub, palette))
  return ExitCode.Ok
}

export const history: Command = {
  name: NAME,
  summary: 'print the messages a channel keeps in its history',
  help,
  run,
}
