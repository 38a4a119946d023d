/**
 * Keeps the config reference in docs/operations.md true to the schema. `npm run docs:config`
 * (this test with UPDATE_DOCS=1) rewrites the table; otherwise the test fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { describe, expect, it } from 'vitest'
import { renderConfigTable, TABLE_END, TABLE_START, tableCells } from './docs-table.js'

const DOCS = fileURLToPath(new URL('../../../docs/operations.md', import.meta.url))

const between = (text: string): string => {
  const start = text.indexOf(TABLE_START)
  const end = text.indexOf(TABLE_END)
  if (start === -1 || end < start) throw new Error(`docs/operations.md lacks ${TABLE_START}`)
  return text.slice(start + TABLE_START.length, end)
}

describe('the config reference in docs/operations.md', () => {
  it('is the table the schema generates (npm run docs:config rewrites it)', async () => {
    const docs = readFileSync(DOCS, 'utf8')
    const table = renderConfigTable()
    if (process.env.UPDATE_DOCS === '1') {
      const start = docs.indexOf(TABLE_START) + TABLE_START.length
      const next = `${docs.slice(0, start)}\n\n${table}\n\n${docs.slice(docs.indexOf(TABLE_END))}`
      writeFileSync(DOCS, await format(next, { ...(await resolveConfig(DOCS)), filepath: DOCS }))
    }
    expect(tableCells(between(readFileSync(DOCS, 'utf8')))).toEqual(tableCells(table))
  })
})
