/** `hubbub presence <channel>`: who is in a channel right now. */
import { parseArgs } from 'node:util'
import { HubbubError, type Member } from '../client/node.js'
import { withClient } from './client-connect.js'
import { clientOptions, clientOptionsHelp, resolveServerUrl, resolveWho } from './client-flags.js'
import { Failure } from './failure.js'
import { printLine } from './output.js'
import { paletteFor } from './palette.js'
import { printable } from './printable.js'
import { ExitCode, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'presence'

const help = `Usage: hubbub presence <channel> [options]

Lists who is in a channel now, one person a line (with how many connections when more than
one), and exits. Asking does not join the channel.

Options:
      --json             one member a line, per connection: {"client","user","name"}
${clientOptionsHelp}

Exit codes: 0 ok; 1 the server cannot be reached or refused (for example a channel that keeps
no presence: not_found); 2 usage error.

Examples:
  hubbub presence chat:lobby
  hubbub presence chat:lobby --json | jq -r .name
`

interface PresenceSettings {
  channel: string
  isJson: boolean
  url: string
  name: string | undefined
  /** `--token` or `HUBBUB_TOKEN`. */
  token: string | undefined
}

const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): PresenceSettings | 'help' => {
  const { values, positionals } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...clientOptions, json: { type: 'boolean', default: false } },
    }),
  )
  if (values.help) return 'help'
  const [channel, ...extra] = positionals
  if (channel === undefined || channel === '') throw new UsageError('missing <channel>', NAME)
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra.join(' ')}'`, NAME)
  return {
    channel,
    isJson: values.json,
    url: resolveServerUrl({ url: values.url }, env, NAME),
    ...resolveWho(values, env, NAME),
  }
}

/** Members grouped into people (one user, several connections), in order of first appearance. */
export const groupByUser = (members: readonly Member[]): { member: Member; count: number }[] => {
  const people = new Map<string, { member: Member; count: number }>()
  for (const member of members) {
    const person = people.get(member.user)
    if (person === undefined) people.set(member.user, { member, count: 1 })
    else person.count += 1
  }
  return [...people.values()]
}

const run = async (args: string[]): Promise<ExitCode> => {
  const settings = resolveSettings(args, process.env)
  if (settings === 'help') {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  const { channel } = settings
  let members: Member[]
  try {
    members = await withClient(
      settings.url,
      { name: settings.name, token: settings.token },
      (client) => client.presence(channel),
    )
  } catch (error) {
    if (!(error instanceof HubbubError)) throw error
    throw new Failure(`presence of ${channel} refused: ${error.message} (${error.code})`)
  }
  if (settings.isJson) {
    for (const member of members) printLine(JSON.stringify(member))
    return ExitCode.Ok
  }
  const palette = paletteFor(process.stdout)
  const people = groupByUser(members)
  if (people.length === 0) printLine(palette.dim(`no one is in ${channel}`))
  for (const { member, count } of people)
    printLine(
      count === 1
        ? printable(member.name)
        : `${printable(member.name)} ${palette.dim(`(${count} connections)`)}`,
    )
  return ExitCode.Ok
}

export const presence: Command = {
  name: NAME,
  summary: 'list who is in a channel',
  help,
  run,
}
