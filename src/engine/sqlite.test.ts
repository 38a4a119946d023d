import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { Member } from '../protocol/index.js'
import { runEngineContract } from './contract.js'
import {
  createSqliteEngine,
  inspectSqliteEngine,
  SqliteOpenError,
  type SqliteEngineOptions,
} from './sqlite.js'
import type { BrokerMessage, Deliver, Engine, Retention } from './types.js'

const root = mkdtempSync(join(tmpdir(), 'hubbub-sqlite-'))
let fileCount = 0
/** A path in a new directory of this run's temporary directory. */
const freshFile = (): string => {
  const dir = join(root, `engine-${(fileCount += 1)}`)
  mkdirSync(dir)
  return join(dir, 'hubbub.db')
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

// Once with a busy sweep racing every operation, once with expiry left to the reads alone.
for (const [name, sweepIntervalMs] of [
  ['sqlite', 10],
  ['sqlite, without sweeps', 3_600_000],
] as const) {
  runEngineContract(name, () => createSqliteEngine({ file: freshFile(), sweepIntervalMs }), {
    makeBoundedEngine: (bound) => {
      const engine = createSqliteEngine({ file: freshFile(), sweepIntervalMs, ...bound })
      return { engine, historyBytes: () => inspectSqliteEngine(engine).usedBytes }
    },
  })
}

const keep = (overrides?: Partial<Retention>): Retention => ({
  historySize: 100,
  historyTtlMs: 60_000,
  dedupWindowMs: 60_000,
  ...overrides,
})
const member = (client: string): Member => ({ client, user: `anon:${client}`, name: client })
const draft = (data: unknown, key?: string) => ({ data, time: 1_700_000_000_000, key })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves once `check` holds, polling; fails after `timeoutMs`. */
const eventually = async (what: string, check: () => boolean, timeoutMs = 3_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
    await sleep(5)
  }
}

/** A clock tests move by hand. */
const manualClock = () => {
  const clock = { nowMs: 1_700_000_000_000, now: () => clock.nowMs }
  return clock
}

describe('sqlite engine', () => {
  const engines: Engine[] = []
  const started = async (options: SqliteEngineOptions, deliver: Deliver = () => undefined) => {
    const engine = createSqliteEngine(options)
    engines.push(engine)
    await engine.start(deliver)
    return engine
  }

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()))
  })

  it('keeps history, epochs, idempotency keys and state across close and reopen', async () => {
    const file = freshFile()
    const first = await started({ file })
    const positions = []
    for (let i = 1; i <= 5; i++)
      positions.push(await first.broker.publish('room', draft(i, `key-${i}`), keep()))
    const quiet = await first.broker.history('quiet', { limit: 10 })
    await first.state.set('marker', { read: 3 })
    await first.state.incr('count', 7)
    const before = await first.broker.history('room', { limit: 10 })
    await first.close()

    const second = await started({ file })
    expect(await second.broker.history('room', { limit: 10 })).toEqual(before)
    expect(before.top).toEqual(positions[4])
    expect((await second.broker.history('quiet', { limit: 10 })).top).toEqual(quiet.top)
    expect(await second.broker.publish('room', draft('again', 'key-2'), keep())).toEqual(
      positions[1],
    )
    expect(await second.broker.publish('room', draft(6), keep())).toEqual({
      epoch: before.top.epoch,
      seq: 6,
    })
    expect(await second.state.get('marker')).toEqual({ read: 3 })
    expect(await second.state.incr('count', 1)).toBe(8)
  })

  it('commits a burst of publications in one transaction', async () => {
    const engine = await started({ file: freshFile() })
    const commits = inspectSqliteEngine(engine).commits
    const positions = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        engine.broker.publish(`burst-${i % 10}`, draft(i), keep({ historySize: 50 })),
      ),
    )
    expect(inspectSqliteEngine(engine).commits).toBe(commits + 1)
    expect(new Set(positions.map((p) => `${p.epoch}/${p.seq}`)).size).toBe(1_000)
    // Only what the trim leaves is written: 50 per channel.
    expect(inspectSqliteEngine(engine).keptPubs).toBe(500)
    await Promise.all(Array.from({ length: 100 }, () => engine.state.incr('hits', 1)))
    expect(inspectSqliteEngine(engine).commits).toBe(commits + 2)
    expect(await engine.state.get('hits')).toBe(100)
  })

  it('delivers after the commit, before publish resolves, in the order sent', async () => {
    const received: BrokerMessage[] = []
    const engine = await started({ file: freshFile() }, (_channel, msg) => received.push(msg))
    await engine.broker.subscribe('order')
    const publishing = engine.broker.publish('order', draft('x'), keep())
    const emitting = engine.broker.emit('order', { kind: 'join', member: member('c1') })
    expect(received).toEqual([])
    await publishing
    expect(received.map((msg) => msg.kind)).toEqual(['pub', 'join'])
    await emitting
  })

  it('answers a history read after the publications queued before it', async () => {
    const engine = await started({ file: freshFile() })
    const publishing = engine.broker.publish('mine', draft('x'), keep())
    const page = await engine.broker.history('mine', { limit: 10 })
    expect(page.top).toEqual(await publishing)
    expect(page.pubs.map((pub) => pub.data)).toEqual(['x'])
  })

  it('keeps seq order when a deliver callback publishes again', async () => {
    const seen: number[] = []
    const engine: Engine = await started({ file: freshFile() }, (_channel, msg) => {
      if (msg.kind !== 'pub') return
      seen.push(msg.pub.seq)
      if (msg.pub.seq === 1) void engine.broker.publish('loop', draft(2), keep())
    })
    await engine.broker.subscribe('loop')
    await engine.broker.publish('loop', draft(1), keep())
    await eventually('the second delivery', () => seen.length === 2)
    expect(seen).toEqual([1, 2])
  })

  it('rejects the writes of a failed commit and gives their seqs out again', async () => {
    const file = freshFile()
    await createSqliteEngine({ file }).close()
    const db = new Database(file)
    db.exec(`CREATE TRIGGER fail BEFORE INSERT ON pubs WHEN NEW.data = '"fail"'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
    db.close()
    const received: BrokerMessage[] = []
    const engine = await started({ file }, (_channel, msg) => received.push(msg))
    await engine.broker.subscribe('c')
    await engine.state.set('n', 1)
    const results = await Promise.allSettled([
      engine.broker.publish('c', draft('ok', 'key-1'), keep()),
      engine.broker.publish('c', draft('fail'), keep()),
      engine.state.incr('n', 1),
      engine.broker.emit('c', { kind: 'join', member: member('c1') }),
    ])
    const failure = `cannot write to ${file}: injected failure`
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual([
      `Error: ${failure}`,
      `Error: ${failure}`,
      `Error: ${failure}`,
      'fulfilled',
    ])
    expect(received.map((msg) => msg.kind)).toEqual(['join'])
    expect(await engine.state.get('n')).toBe(1)
    expect((await engine.broker.history('c', { limit: 10 })).top.seq).toBe(0)
    expect(await engine.broker.publish('c', draft('ok', 'key-1'), keep())).toMatchObject({ seq: 1 })
    expect(await engine.broker.publish('c', draft('ok', 'key-1'), keep())).toMatchObject({ seq: 1 })
  })

  it('rejects the publish whose delivery threw, and still delivers the others', async () => {
    const seen: unknown[] = []
    const engine = await started({ file: freshFile() }, (_channel, msg) => {
      if (msg.kind === 'pub' && msg.pub.data === 'bad') throw new Error('deliver failed')
      if (msg.kind === 'pub') seen.push(msg.pub.data)
    })
    await engine.broker.subscribe('boom')
    const results = await Promise.allSettled([
      engine.broker.publish('boom', draft('bad'), keep()),
      engine.broker.publish('boom', draft('good'), keep()),
    ])
    expect(results[0]).toMatchObject({ status: 'rejected', reason: new Error('deliver failed') })
    expect(results[1]).toMatchObject({ status: 'fulfilled', value: { seq: 2 } })
    expect(seen).toEqual(['good'])
  })

  it('rejects values JSON cannot keep without taking a seq, and a second start', async () => {
    const engine = await started({ file: freshFile() })
    await expect(engine.broker.publish('bad', draft(undefined), keep())).rejects.toThrow('JSON')
    await expect(engine.broker.publish('bad', draft(10n), keep())).rejects.toBeInstanceOf(Error)
    await expect(engine.state.set('bad', () => 1)).rejects.toThrow('JSON')
    expect((await engine.broker.history('bad', { limit: 1 })).top.seq).toBe(0)
    await expect(engine.start(() => undefined)).rejects.toThrow('only once')
    await engine.close()
    await engine.close()
    await expect(engine.broker.history('x', { limit: 1 })).rejects.toThrow('closed')
    await expect(engine.presence.list('x')).rejects.toThrow('closed')
  })

  it('deletes expired publications and keys in the sweep, in batches over several turns', async () => {
    const clock = manualClock()
    const engine = await started({
      file: freshFile(),
      now: clock.now,
      sweepIntervalMs: 300,
      sweepBatchSize: 10,
    })
    const short = keep({ historyTtlMs: 1_000, dedupWindowMs: 1_000 })
    await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        engine.broker.publish(`ttl-${i % 20}`, draft(i, `k${i}`), short),
      ),
    )
    await engine.broker.publish('long', draft('stays'), keep())
    expect(inspectSqliteEngine(engine)).toMatchObject({ keptPubs: 1_001, dedupKeys: 1_000 })
    clock.nowMs += 2_000
    // 100 batches: far more than the interval allows in this time unless they follow each other.
    await eventually('the sweep', () => {
      const { keptPubs, dedupKeys } = inspectSqliteEngine(engine)
      return keptPubs === 1 && dedupKeys === 0
    })
    expect((await engine.broker.history('ttl-3', { limit: 100 })).top.seq).toBe(50)
  })

  it('drops an idle stream, unless subscribed, so that its next history is a new epoch', async () => {
    const clock = manualClock()
    const options = { now: clock.now, sweepIntervalMs: 10, streamIdleTtlMs: 60_000 }
    const engine = await started({ file: freshFile(), ...options })
    const retention = keep({ historyTtlMs: 5_000 })
    const idle = await engine.broker.publish('idle', draft(1), retention)
    await engine.broker.subscribe('held')
    const held = await engine.broker.publish('held', draft(1), retention)
    clock.nowMs += 10_000
    await eventually('expiry', () => inspectSqliteEngine(engine).keptPubs === 0)
    expect(inspectSqliteEngine(engine).streams).toBe(2)
    clock.nowMs += 51_000
    await eventually('the drop', () => inspectSqliteEngine(engine).streams === 1)
    const page = await engine.broker.history('idle', { limit: 10 })
    expect(page.top.seq).toBe(0)
    expect(page.top.epoch).not.toBe(idle.epoch)
    expect((await engine.broker.history('held', { limit: 10 })).top).toEqual(held)
  })

  it('gives free pages past the slack back to the file system in the sweep', async () => {
    const clock = manualClock()
    const file = freshFile()
    // Slack: 1/16 of the bound, 64 KiB here.
    const options = { file, now: clock.now, sweepIntervalMs: 10, maxHistoryBytes: 1_048_576 }
    const engine = await started(options)
    const text = 'x'.repeat(30_000)
    for (let i = 0; i < 20; i++)
      await engine.broker.publish(`big-${i}`, draft(text), keep({ historyTtlMs: 1_000 }))
    expect(inspectSqliteEngine(engine).usedBytes).toBeGreaterThan(600_000)
    clock.nowMs += 2_000
    await eventually('the sweep', () => inspectSqliteEngine(engine).keptPubs === 0)
    await eventually('the release', () => inspectSqliteEngine(engine).freeBytes <= 65_536)
    await engine.close()
    expect(statSync(file).size).toBeLessThan(200_000)
  })

  it('converts a file without incremental auto-vacuum (an older hubbub’s) once, keeping its data', async () => {
    const file = freshFile()
    const first = await started({ file })
    const kept = await first.broker.publish('old', draft('kept'), keep())
    await first.close()
    const raw = new Database(file)
    raw.pragma('auto_vacuum = NONE')
    raw.exec('VACUUM')
    expect(raw.pragma('auto_vacuum', { simple: true })).toBe(0)
    raw.close()
    const second = await started({ file })
    expect((await second.broker.history('old', { limit: 10 })).top).toEqual(kept)
    await second.close()
    const check = new Database(file, { readonly: true })
    expect(check.pragma('auto_vacuum', { simple: true })).toBe(2)
    check.close()
  })

  it('hides an expired publication kept behind a live one', async () => {
    const clock = manualClock()
    const engine = await started({ file: freshFile(), now: clock.now, sweepIntervalMs: 3_600_000 })
    await engine.broker.publish('mixed', draft('long'), keep({ historyTtlMs: 60_000 }))
    await engine.broker.publish('mixed', draft('short'), keep({ historyTtlMs: 1_000 }))
    clock.nowMs += 2_000
    for (const query of [{ limit: 10 }, { limit: 10, since: { epoch: '', seq: 0 } }]) {
      const { pubs } = await engine.broker.history('mixed', query)
      expect(pubs.map((pub) => pub.data)).toEqual(['long'])
    }
  })
})

describe('sqlite engine start-up', () => {
  const fails = (file: string, options: Partial<SqliteEngineOptions> = {}): SqliteOpenError => {
    try {
      const engine = createSqliteEngine({ file, ...options })
      void engine.close()
    } catch (err) {
      expect(err).toBeInstanceOf(SqliteOpenError)
      return err as SqliteOpenError
    }
    throw new Error(`opening ${file} did not fail`)
  }

  it('creates the file and its missing directories', async () => {
    const file = join(root, 'missing', 'nested', 'hubbub.db')
    await createSqliteEngine({ file }).close()
    expect(existsSync(file)).toBe(true)
  })

  it('refuses a file that is not a database, naming it and the fix', () => {
    const file = freshFile()
    writeFileSync(file, 'this is not a database\n'.repeat(200))
    expect(fails(file).message).toBe(
      `cannot open ${file}: file is not a database (SQLITE_NOTADB); move it away or use another file`,
    )
  })

  it('refuses a corrupt database', async () => {
    const file = freshFile()
    const engine = createSqliteEngine({ file })
    const text = 'x'.repeat(500)
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        engine.broker.publish(`c${i % 7}`, draft(text), keep()),
      ),
    )
    await engine.close()
    const fd = openSync(file, 'r+')
    writeSync(fd, Buffer.alloc(8_192, 0x5a), 0, 8_192, 8_192)
    closeSync(fd)
    expect(fails(file).message).toMatch(
      new RegExp(
        `^cannot open ${file}: the database is corrupt.*; restore a backup or move it away`,
      ),
    )
  })

  it('refuses a data directory that cannot be created', () => {
    const plainFile = join(root, 'plain-file')
    writeFileSync(plainFile, 'x')
    const underFile = join(plainFile, 'sub', 'hubbub.db')
    expect(fails(underFile).message).toBe(
      `cannot open ${underFile}: cannot create its directory ${join(plainFile, 'sub')}: a part of the path is not a directory (ENOTDIR); fix the path or its permissions or use another file`,
    )
    // Fails even for root, and must not hang (recursive mkdir loops on /proc under Node 20).
    expect(fails('/proc/hubbub-test/hubbub.db').message).toMatch(
      /^cannot open \/proc\/hubbub-test\/hubbub\.db: cannot create its directory \/proc\/hubbub-test: .*\(ENOENT\)/,
    )
    expect(fails(root).message).toMatch(/the file cannot be opened or created/)
  })

  it('refuses another app’s database and one from a newer hubbub', async () => {
    const foreign = freshFile()
    const db = new Database(foreign)
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY)')
    db.close()
    expect(fails(foreign).reason).toBe('it holds tables that are not hubbub’s')

    const newer = freshFile()
    await createSqliteEngine({ file: newer }).close()
    const old = new Database(newer)
    old.pragma('user_version = 99')
    old.close()
    expect(fails(newer).reason).toMatch(/^it was written by a newer hubbub \(schema version 99;/)
  })

  // Tests run as root, who ignores file modes: the immutable attribute (chattr +i) binds root too,
  // so it makes a real read-only file and directory here.
  const immutable = (path: string, isOn: boolean): void => {
    execFileSync('chattr', [isOn ? '+i' : '-i', path])
  }

  it('says a read-only file or directory is read-only, naming it, not an I/O error', async () => {
    const file = freshFile()
    await createSqliteEngine({ file }).close()
    immutable(file, true)
    try {
      expect(fails(file).message).toMatch(
        new RegExp(
          `^cannot open ${file}: the file is read-only \\(SQLITE_[A-Z_]+\\); make it writable or use another file$`,
        ),
      )
    } finally {
      immutable(file, false)
    }
    const dir = join(root, 'read-only-dir')
    mkdirSync(dir)
    immutable(dir, true)
    try {
      const inDir = join(dir, 'hubbub.db')
      expect(fails(inDir).message).toMatch(
        new RegExp(
          `^cannot open ${inDir}: its directory ${dir} is read-only \\(SQLITE_[A-Z_]+\\);`,
        ),
      )
    } finally {
      immutable(dir, false)
    }
    await createSqliteEngine({ file }).close()
  })

  it('refuses a file another engine holds open', async () => {
    const file = freshFile()
    const holder = createSqliteEngine({ file })
    try {
      expect(fails(file, { busyTimeoutMs: 50 }).message).toBe(
        `cannot open ${file}: another process is using it (SQLITE_BUSY); stop that process or use another file`,
      )
    } finally {
      await holder.close()
    }
    await createSqliteEngine({ file }).close()
  })
})
