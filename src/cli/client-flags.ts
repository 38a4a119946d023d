/**
 * The flags every client command shares (`--url`, `--name`, `--help`) and how they resolve:
 * flag, then environment, then default.
 */
import { userInfo } from 'node:os'
import { checkDisplayName } from '../protocol/index.js'
import { envValue, UsageError } from './usage.js'

/** The server a client command talks to when neither `--url` nor `HUBBUB_URL` says otherwise. */
export const DEFAULT_URL = 'ws://localhost:8765'

/** `util.parseArgs` options of every client command; spread them into the command's own. */
export const clientOptions = {
  url: { type: 'string', short: 'u' },
  name: { type: 'string', short: 'n' },
  token: { type: 'string', short: 't' },
  help: { type: 'boolean', short: 'h', default: false },
} as const

/** The help lines of {@link clientOptions}, aligned with the commands' own option lists. */
export const clientOptionsHelp = `  -u, --url <url>        the hubbub server (env HUBBUB_URL, default ${DEFAULT_URL})
  -n, --name <name>      your display name (default: your login name)
  -t, --token <jwt>      connect as the token's user (env HUBBUB_TOKEN; see 'hubbub token')
  -h, --help             show this help`

const SCHEMES: Record<string, string> = {
  'ws:': 'ws:',
  'wss:': 'wss:',
  'http:': 'ws:',
  'https:': 'wss:',
}

/**
 * Checks a server URL: `ws://` and `wss://` as given, `http://` and `https://` turned into their
 * WebSocket forms. `source` names where it came from (`--url`, `HUBBUB_URL`) for the error.
 */
export const parseServerUrl = (value: string, source: string, command: string): string => {
  let url: URL
  try {
    url = new URL(value)
  } catch (error) {
    if (!(error instanceof TypeError)) throw error
    throw new UsageError(
      `invalid ${source} ${JSON.stringify(value)}: expected a URL such as ${DEFAULT_URL}`,
      command,
    )
  }
  const scheme = SCHEMES[url.protocol]
  if (scheme === undefined || url.host === '')
    throw new UsageError(
      `invalid ${source} ${JSON.stringify(value)}: expected ws://host:port or wss://host:port`,
      command,
    )
  return scheme === url.protocol ? value : scheme + value.slice(url.protocol.length)
}

/**
 * The server URL: `positional` (commands that take `[url]`) or `--url`, then `HUBBUB_URL`, then
 * {@link DEFAULT_URL}. Giving both the positional and `--url` is a usage error.
 */
export const resolveServerUrl = (
  flags: { url?: string | undefined; positional?: string | undefined },
  env: NodeJS.ProcessEnv,
  command: string,
): string => {
  if (flags.url !== undefined && flags.positional !== undefined)
    throw new UsageError('give the URL once: as an argument or with --url', command)
  const given = flags.positional ?? flags.url
  if (given !== undefined)
    return parseServerUrl(given, flags.url === undefined ? 'URL' : '--url', command)
  const fromEnv = envValue(env, 'HUBBUB_URL')
  return fromEnv === undefined ? DEFAULT_URL : parseServerUrl(fromEnv, 'HUBBUB_URL', command)
}

/**
 * The display name: `--name`, else the login name, else undefined (the server then picks
 * `Guest-…`). `--name` is checked as the server checks names (`checkDisplayName`), so that a name
 * it would refuse is a usage error naming the flag; a login name it would refuse (`admin`) is
 * dropped for `Guest-…` instead.
 */
export const resolveName = (flag: string | undefined, command: string): string | undefined => {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new UsageError('--name must not be empty', command)
    const check = checkDisplayName(flag)
    if (!check.ok) throw new UsageError(`invalid --name: ${check.problem}`, command)
    return check.name
  }
  const login = loginName()
  const check = login === undefined ? undefined : checkDisplayName(login)
  return check?.ok === true && check.name !== '' ? check.name : undefined
}

const loginName = (): string | undefined => {
  try {
    const { username } = userInfo()
    return username === '' ? undefined : username
  } catch (error) {
    // A user id without a passwd entry (common in containers) has no name: not an error here.
    if (error instanceof Error && 'code' in error && error.code === 'ERR_SYSTEM_ERROR')
      return undefined
    throw error
  }
}

/** The connect token: `--token`, else `HUBBUB_TOKEN`, else undefined (anonymous). */
export const resolveToken = (
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  command: string,
): string | undefined => {
  if (flag === '') throw new UsageError('--token must not be empty', command)
  return flag ?? envValue(env, 'HUBBUB_TOKEN')
}

/** Who a client command connects as: `--name` and `--token` (or `HUBBUB_TOKEN`), resolved. */
export const resolveWho = (
  values: { name?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv,
  command: string,
): { name: string | undefined; token: string | undefined } => ({
  name: resolveName(values.name, command),
  token: resolveToken(values.token, env, command),
})
