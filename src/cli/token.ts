/**
 * `hubbub token`: mints a development JWT (HS256) with the secret `hubbub serve --jwt-secret`
 * verifies, so that trying tokens takes two commands. Production tokens come from your backend.
 */
import { parseArgs } from 'node:util'
import { SignJWT } from 'jose'
import { MIN_JWT_SECRET_LENGTH } from '../server/auth/jwt.js'
import { parseDurationMs } from './duration.js'
import { envValue, ExitCode, UsageError, withUsageErrors, type Command } from './usage.js'

const NAME = 'token'
const DEFAULT_TTL = '1h'

const help = `Usage: hubbub token --sub <user> [options]

Prints a JWT (HS256) for <user>, signed with the secret that 'hubbub serve --jwt-secret'
(or HUBBUB_JWT_SECRET) verifies. For development: in production your backend mints tokens.

Options:
      --sub <user>       the user id (the token's sub); required
      --name <name>      display name (the token's name claim)
      --info <json>      public data about the user (the info claim), a JSON value
      --channel <pattern>
                         a channel pattern this token grants (repeatable; the channels
                         claim), e.g. 'notify:*' or 'team:red:*'
      --ttl <duration>   lifetime: 30s, 15m, 1h, 7d (default ${DEFAULT_TTL})
      --audience <aud>   the aud claim (when the server checks --jwt-audience)
      --issuer <iss>     the iss claim (when the server checks --jwt-issuer)
      --jwt-secret <s>   the secret, ${MIN_JWT_SECRET_LENGTH}+ characters (env HUBBUB_JWT_SECRET)
  -h, --help             show this help

Examples:
  export HUBBUB_JWT_SECRET=$(openssl rand -base64 32)
  hubbub serve --memory &
  hubbub sub room:1 --token "$(hubbub token --sub alice --name Alice)"
  hubbub token --sub bob --ttl 15m --channel 'notify:bob'
`

interface TokenSettings {
  /** The token's `sub`. */
  user: string
  name: string | undefined
  info: unknown
  channels: string[]
  ttlMs: number
  audience: string | undefined
  issuer: string | undefined
  secret: string
}

const resolveSettings = (args: string[], env: NodeJS.ProcessEnv): TokenSettings | 'help' => {
  const { values } = withUsageErrors(NAME, () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        sub: { type: 'string' },
        name: { type: 'string' },
        info: { type: 'string' },
        channel: { type: 'string', multiple: true },
        ttl: { type: 'string' },
        audience: { type: 'string' },
        issuer: { type: 'string' },
        'jwt-secret': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  )
  if (values.help) return 'help'
  if (values.sub === undefined || values.sub === '') throw new UsageError('missing --sub', NAME)
  if (values.sub === 'server') throw new UsageError('--sub server is reserved for the server', NAME)
  if (values.sub.startsWith('anon:'))
    throw new UsageError('--sub must not start with anon: (anonymous ids are the server’s)', NAME)
  const secret = values['jwt-secret'] ?? envValue(env, 'HUBBUB_JWT_SECRET')
  if (secret === undefined)
    throw new UsageError('no secret: give --jwt-secret or set HUBBUB_JWT_SECRET', NAME)
  if (secret.length < MIN_JWT_SECRET_LENGTH)
    throw new UsageError(
      `${values['jwt-secret'] === undefined ? 'HUBBUB_JWT_SECRET' : '--jwt-secret'} must be at least ${MIN_JWT_SECRET_LENGTH} characters`,
      NAME,
    )
  let info: unknown
  if (values.info !== undefined)
    try {
      info = JSON.parse(values.info)
    } catch {
      throw new UsageError(`invalid --info ${JSON.stringify(values.info)}: expected JSON`, NAME)
    }
  const channels = values.channel ?? []
  if (channels.some((pattern) => pattern === ''))
    throw new UsageError('--channel must not be empty', NAME)
  return {
    user: values.sub,
    name: values.name,
    info,
    channels,
    ttlMs: parseDurationMs(values.ttl ?? DEFAULT_TTL, '--ttl', NAME),
    audience: values.audience,
    issuer: values.issuer,
    secret,
  }
}

const run = async (args: string[]): Promise<ExitCode> => {
  const settings = resolveSettings(args, process.env)
  if (settings === 'help') {
    process.stdout.write(help)
    return ExitCode.Ok
  }
  const claims: Record<string, unknown> = {}
  if (settings.name !== undefined) claims.name = settings.name
  if (settings.info !== undefined) claims.info = settings.info
  if (settings.channels.length > 0) claims.channels = settings.channels
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(settings.user)
    .setIssuedAt()
    .setExpirationTime(Math.floor((Date.now() + settings.ttlMs) / 1000))
  if (settings.audience !== undefined) jwt.setAudience(settings.audience)
  if (settings.issuer !== undefined) jwt.setIssuer(settings.issuer)
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(settings.secret))}\n`)
  return ExitCode.Ok
}

export const token: Command = {
  name: NAME,
  summary: 'mint a development JWT for hubbub serve --jwt-secret',
  help,
  run,
}
