/**
 * The config reference table of docs/operations.md, generated from the schema: one row per key
 * (nested keys as `engine.kind`, `channels.<pattern>.historySize`, `webhooks[].url`).
 */
import { configSchema } from './hubbub-config.js'
import { typeName, type Schema } from './schema.js'

/** Where the generated table sits in docs/operations.md. */
export const TABLE_START = '<!-- config-reference:start (generated: npm run docs:config) -->'
export const TABLE_END = '<!-- config-reference:end -->'

interface Row {
  key: string
  schema: Schema
}

const rows = (schema: Schema, path: string): Row[] => {
  switch (schema.kind) {
    case 'object':
      return Object.entries(schema.fields).flatMap(([key, field]) => {
        const at = path === '' ? key : `${path}.${key}`
        const own =
          field.kind === 'object' || field.kind === 'record' ? [] : [{ key: at, schema: field }]
        return [...own, ...rows(field, at)]
      })
    case 'record':
      return [
        { key: path, schema },
        ...rows(schema.values, `${path}.<${schema.keyName.split(' ').pop() ?? 'key'}>`),
      ]
    case 'list':
      return schema.items.kind === 'object' ? rows(schema.items, `${path}[]`) : []
    case 'integer':
    case 'boolean':
    case 'string':
    case 'choice':
      return []
  }
}

const cell = (text: string): string => text.replaceAll('|', '\\|')

/** The table as Markdown (unpadded; prettier pads it in the docs). */
export const renderConfigTable = (): string => {
  const lines = [
    '| Key | Type | Default | Flag, env | Meaning |',
    '| --- | --- | --- | --- | --- |',
  ]
  for (const { key, schema } of rows(configSchema, '')) {
    const type =
      typeName(schema) +
      (schema.isRequired === true ? ', required' : '') +
      (schema.isSecret === true ? ', secret (masked)' : '')
    lines.push(
      `| \`${key}\` | ${cell(type)} | ${cell(schema.defaultText ?? '')} | ${cell(schema.override ?? '')} | ${cell(schema.doc ?? '')} |`,
    )
  }
  return lines.join('\n')
}

/** A Markdown table's rows as trimmed cells, without the separator row: layout-free. */
export const tableCells = (table: string): string[][] =>
  table
    .trim()
    .split('\n')
    .filter((line) => !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split(/(?<!\\)\|/)
        .map((text) => text.trim()),
    )
