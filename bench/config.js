/**
 * The comparison's settings from its command line. Full: 5,000 idle connections, 1,000
 * subscribers, 3 runs a target. `--quick` (about 2 minutes): 1,000 idle, 250 subscribers, one run
 * a target, shorter phases; the same method, smaller numbers.
 */
import { parseArgs } from 'node:util'
import { targets } from './targets/index.js'

export const usage = `usage: npm run bench -- [--quick] [--targets a,b,…] [--repeats N] [--subscribers S]
         [--idle N] [--window W] [--seconds D] [--rate-seconds F] [--publishers P]
       npm run bench -- --soak <duration> [options of bench/soak.js]
       npm run bench -- --connections <n> [options of bench/connections.js]
targets: ${targets.map((target) => target.name).join(', ')}`

const options = {
  quick: { type: 'boolean', default: false },
  targets: { type: 'string' },
  repeats: { type: 'string' },
  subscribers: { type: 'string' },
  idle: { type: 'string' },
  window: { type: 'string' },
  seconds: { type: 'string' },
  'rate-seconds': { type: 'string' },
  publishers: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
}

/** A usage error: the message is for one line on stderr, with the usage. */
export class UsageError extends Error {}

/** Parses `argv` (the arguments after the script) into the settings of one invocation. */
export const parseConfig = (argv) => {
  let values
  try {
    values = parseArgs({ args: argv, options }).values
  } catch (err) {
    throw new UsageError(err.message)
  }
  const positive = (name, fallback) => {
    const value = values[name] === undefined ? fallback : Number(values[name])
    if (!Number.isInteger(value) || value < 1)
      throw new UsageError(`--${name} must be an integer ≥ 1`)
    return value
  }
  const names = values.targets?.split(',').filter(Boolean) ?? targets.map((target) => target.name)
  const unknown = names.filter((name) => !targets.some((target) => target.name === name))
  if (unknown.length > 0) throw new UsageError(`unknown target ${unknown.join(', ')}`)
  const isQuick = values.quick
  const subscribers = positive('subscribers', isQuick ? 250 : 1_000)
  const paceEach = 90 // publishes/s per publisher connection; hubbub refuses past 100/s (burst 200)
  const config = {
    isQuick,
    isHelp: values.help,
    targets: targets.filter((target) => names.includes(target.name)),
    repeats: positive('repeats', isQuick ? 1 : 3),
    subscribers,
    idle: Math.max(subscribers, positive('idle', isQuick ? 1_000 : 5_000)),
    concurrency: 100, // connections being set up at once
    window: positive('window', 20),
    seconds: positive('seconds', isQuick ? 2 : 5),
    warmupMs: isQuick ? 500 : 1_000,
    rates: [50, 100, 200],
    rateSeconds: positive('rate-seconds', isQuick ? 2 : 4),
    settleMs: isQuick ? 1_000 : 2_000,
    payloadBytes: 100,
    paceEach,
    paceBurst: 20,
    // Enough publishers that their pacing allows ~2M deliveries/s, past what any target does here.
    publishers: positive(
      'publishers',
      Math.min(200, Math.max(4, Math.ceil(2e6 / subscribers / paceEach))),
    ),
  }
  const { seconds, rateSeconds, rates, idle } = config
  // Generous: start, idle connections at ≥ 200/s, settling, the phases and their drains, stop.
  config.runBudgetMs = 30_000 + idle * 5 + (seconds + 6 + rates.length * (rateSeconds + 6)) * 1_000
  return config
}
