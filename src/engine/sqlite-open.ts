/**
 * Opening the SQLite engine's database file: its directory, the connection settings, an
 * integrity check and the schema. Every problem surfaces here, at start-up, as a
 * {@link SqliteOpenError} naming the file and the fix, never later at the first publish.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { migrate, schemaProblem } from './sqlite-schema.js'

/** The database file cannot be used; `message` is `cannot open <file>: <reason>; <fix> …`. */
export class SqliteOpenError extends Error {
  override readonly name = 'SqliteOpenError'
  constructor(
    /** The database file. */
    readonly file: string,
    /** What is wrong, e.g. `file is not a database`. */
    readonly reason: string,
    /** What the operator can do, e.g. `move it away`. Using another file is always an option. */
    readonly fix: string,
    options?: ErrorOptions,
  ) {
    super(`cannot open ${file}: ${reason}; ${fix} or use another file`, options)
  }
}

/** `PRAGMA auto_vacuum` of a file whose free pages `incremental_vacuum` gives back. */
const INCREMENTAL = 2

/** The largest the write-ahead log is kept after a checkpoint. */
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024

const codeOf = (err: unknown): string =>
  err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : ''

/** What SQLite error codes mean to an operator, by code prefix (extended codes share them). */
const sqliteProblems: readonly [code: string, reason: string, fix: string][] = [
  ['SQLITE_NOTADB', 'file is not a database', 'move it away'],
  ['SQLITE_CORRUPT', 'the database is corrupt', 'restore a backup or move it away'],
  ['SQLITE_BUSY', 'another process is using it', 'stop that process'],
  ['SQLITE_LOCKED', 'another process is using it', 'stop that process'],
  ['SQLITE_CANTOPEN', 'the file cannot be opened or created', 'check the path and permissions'],
  ['SQLITE_READONLY', 'the file or its directory is read-only', 'make them writable'],
  ['SQLITE_PERM', 'permission denied', 'check the permissions'],
  ['SQLITE_FULL', 'the disk is full', 'free some space'],
  ['SQLITE_IOERR', 'an input/output error occurred', 'check the disk'],
]

/**
 * Whether `file` (when it exists) or its directory cannot be written, e.g. mode 444, an immutable
 * file (`chattr +i`, which binds root too) or a read-only mount. SQLite then falls back to a
 * read-only open and fails later with a misleading I/O or cannot-open error, so opening checks
 * this first when it fails. `access(W_OK)` also reports immutable files and read-only mounts for
 * root, who ignores file modes.
 */
export const readOnlyPath = (file: string): string | undefined => {
  for (const path of existsSync(file) ? [file, dirname(file)] : [dirname(file)]) {
    try {
      accessSync(path, constants.W_OK)
    } catch (err) {
      const code = codeOf(err)
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return path
    }
  }
  return undefined
}

/** The reason given for a read-only `path` (the file or its directory), with the error code. */
const readOnlyReason = (file: string, path: string, code: string): string =>
  `${path === file ? 'the file' : `its directory ${path}`} is read-only (${code})`

/**
 * The message of a failed write to `file`: read-only files and directories (SQLITE_READONLY*, or
 * an I/O error on a path that turned read-only) say so, with the path.
 */
export const writeErrorMessage = (file: string, err: unknown): string => {
  const code = codeOf(err)
  const message = err instanceof Error ? err.message : String(err)
  const readOnly = code.startsWith('SQLITE_') ? readOnlyPath(file) : undefined
  if (readOnly !== undefined)
    return `cannot write to ${file}: ${readOnlyReason(file, readOnly, code)}`
  if (code.startsWith('SQLITE_READONLY'))
    return `cannot write to ${file}: the file or its directory is read-only (${code})`
  return `cannot write to ${file}: ${message}`
}

/** `err` (thrown while opening `file`) as a {@link SqliteOpenError}. */
const describe = (file: string, err: unknown): SqliteOpenError => {
  if (err instanceof SqliteOpenError) return err
  const code = codeOf(err)
  const readOnly = code.startsWith('SQLITE_') ? readOnlyPath(file) : undefined
  if (readOnly !== undefined)
    return new SqliteOpenError(file, readOnlyReason(file, readOnly, code), 'make it writable', {
      cause: err,
    })
  const message = err instanceof Error ? err.message : String(err)
  const known = sqliteProblems.find(([prefix]) => code.startsWith(prefix))
  const [reason, fix] = known === undefined ? [message, 'check the file'] : [known[1], known[2]]
  return new SqliteOpenError(file, code === '' ? reason : `${reason} (${code})`, fix, {
    cause: err,
  })
}

const directoryProblems: Record<string, string> = {
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it exists and is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'it cannot be created there',
  ENOSPC: 'the disk is full',
}

/**
 * Creates `dir` and its missing parents. Not `mkdirSync(dir, { recursive: true })`: on Node 20
 * that never returns for a path such as `/proc/x`, where mkdir keeps failing with ENOENT.
 */
const makeDirectory = (dir: string): void => {
  try {
    mkdirSync(dir)
  } catch (err) {
    const code = codeOf(err)
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return
    const parent = dirname(dir)
    if (code !== 'ENOENT' || parent === dir) throw err
    makeDirectory(parent)
    // Once only: failing again means the directory cannot be made here.
    mkdirSync(dir)
  }
}

const ensureDirectory = (file: string): void => {
  const dir = dirname(file)
  try {
    makeDirectory(dir)
  } catch (err) {
    const code = codeOf(err)
    const reason = directoryProblems[code] ?? (err instanceof Error ? err.message : String(err))
    throw new SqliteOpenError(
      file,
      `cannot create its directory ${dir}: ${reason}${code === '' ? '' : ` (${code})`}`,
      'fix the path or its permissions',
      { cause: err },
    )
  }
}

/** SQLite's multi-line integrity report as one line, without its per-database headers. */
const oneLine = (report: string): string =>
  report
    .replace(/\*\*\* in database \w+ \*\*\*/g, '')
    .replace(/\s+/g, ' ')
    .trim()

/** Opens `db`'s file for this process alone, in WAL mode, checked and migrated. */
const prepare = (db: Database.Database, file: string): void => {
  // One writer is assumed by the engine's cache of each stream's top: a second process on the
  // same file fails here (after `busyTimeoutMs`) instead of reusing seqs.
  db.pragma('locking_mode = EXCLUSIVE')
  // Before any table exists, so that a new file frees pages for reuse and the sweep can give them
  // back (`incremental_vacuum`); an older file is converted below, once checked.
  db.pragma('auto_vacuum = INCREMENTAL')
  const mode = db.pragma('journal_mode = WAL', { simple: true })
  if (mode !== 'wal')
    throw new SqliteOpenError(
      file,
      `it cannot be switched to WAL mode (journal_mode is ${String(mode)})`,
      'check that the file and its directory are writable',
    )
  // In WAL mode NORMAL loses no commit when the process crashes, only on power loss or OS crash.
  db.pragma('synchronous = NORMAL')
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`)
  const integrity = db.pragma('quick_check(1)', { simple: true })
  if (integrity !== 'ok')
    throw new SqliteOpenError(
      file,
      `the database is corrupt (${oneLine(String(integrity))})`,
      'restore a backup or move it away',
    )
  const problem = schemaProblem(db)
  if (problem !== undefined) throw new SqliteOpenError(file, problem.reason, problem.fix)
  // A file from a hubbub before the history bound has auto_vacuum NONE: rewritten once.
  if (db.pragma('auto_vacuum', { simple: true }) !== INCREMENTAL) db.exec('VACUUM')
  migrate(db)
}

/**
 * Opens (creating it and its directory when missing) the database `file`, ready for the engine.
 * Throws a {@link SqliteOpenError} when the directory cannot be created, the file cannot be
 * written, is not a database, is corrupt, is another app's, is newer than this code, or is in
 * use by another process (waiting `busyTimeoutMs` for it first).
 */
export const openDatabase = (file: string, busyTimeoutMs: number): Database.Database => {
  ensureDirectory(file)
  let db: Database.Database
  try {
    db = new Database(file, { timeout: busyTimeoutMs })
  } catch (err) {
    throw describe(file, err)
  }
  try {
    prepare(db, file)
    return db
  } catch (err) {
    const problem = describe(file, err)
    try {
      db.close()
    } catch (closeErr) {
      throw new AggregateError([problem, closeErr], problem.message, { cause: closeErr })
    }
    throw problem
  }
}
