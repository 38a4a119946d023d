/**
 * The SQLite engine's tables, versioned with `PRAGMA user_version`: a file at an older version is
 * migrated on open, one step per version, in one transaction.
 */
import type { Database } from 'better-sqlite3'

/** Marks a file as hubbub's (`PRAGMA application_id`), so that another app's database is refused. */
export const APPLICATION_ID = 0x68756262 // "hubb"

/**
 * `migrations[v]` takes a database from version v to v + 1. Append a step to change the schema;
 * never edit a released one.
 */
const migrations: readonly string[] = [
  `
  -- One row per stream: a channel's epoch and top seq. Dropping the row loses the stream.
  CREATE TABLE streams (
    channel TEXT PRIMARY KEY,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    touched_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX streams_touched_at ON streams (touched_at);

  -- Kept publications of each stream's current epoch, with consecutive seqs.
  CREATE TABLE pubs (
    channel TEXT NOT NULL,
    seq INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    time INTEGER NOT NULL,
    data TEXT NOT NULL,
    from_member TEXT,
    PRIMARY KEY (channel, seq)
  ) WITHOUT ROWID;
  CREATE INDEX pubs_expires_at ON pubs (expires_at);

  CREATE TABLE dedup (
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (channel, key)
  ) WITHOUT ROWID;
  CREATE INDEX dedup_expires_at ON dedup (expires_at);

  -- JSON text by key.
  CREATE TABLE state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
]

/** The schema version this code writes. */
export const SCHEMA_VERSION = migrations.length

/** Why a database cannot be used as it is, and what to do about it. */
export interface SchemaProblem {
  reason: string
  fix: string
}

/** Checks that `db` is empty or hubbub's at a version this code knows; undefined when it is. */
export const schemaProblem = (db: Database): SchemaProblem | undefined => {
  const applicationId = db.pragma('application_id', { simple: true })
  const version = db.pragma('user_version', { simple: true })
  if (applicationId !== APPLICATION_ID && applicationId !== 0)
    return {
      reason: `it is not a hubbub database (application_id ${String(applicationId)})`,
      fix: 'move it away',
    }
  if (applicationId === 0) {
    const objects = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sqlite_schema').get()
    if ((objects?.n ?? 0) > 0)
      return { reason: 'it holds tables that are not hubbub’s', fix: 'move it away' }
  }
  if (typeof version !== 'number' || version > SCHEMA_VERSION)
    return {
      reason: `it was written by a newer hubbub (schema version ${String(version)}; this one knows up to ${SCHEMA_VERSION})`,
      fix: 'upgrade hubbub',
    }
  return undefined
}

/**
 * Brings `db` (checked by {@link schemaProblem}) to {@link SCHEMA_VERSION} in one transaction.
 * It writes even when there is nothing to migrate, so that a file that cannot be written fails
 * here, at start-up.
 */
export const migrate = (db: Database): void => {
  const from = Number(db.pragma('user_version', { simple: true }))
  db.transaction(() => {
    for (const step of migrations.slice(from)) db.exec(step)
    db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }).immediate()
}
