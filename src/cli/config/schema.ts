/**
 * A small schema language for the config file: one description of every key gives the
 * validator (one-line errors naming the key, with a suggestion for a misspelt one), the
 * TypeScript type (`Infer`) and the reference table in docs/operations.md (docs-table.ts).
 */
import { didYouMean } from './did-you-mean.js'

/** What every schema may say about itself, for the docs and `--print-config`. */
export interface Described {
  /** One sentence for the docs table. */
  readonly doc?: string
  /** The default, as the docs show it. @default none shown */
  readonly defaultText?: string
  /** The flag and environment variable that override this key, as the docs show them. */
  readonly override?: string
  /** A secret: `--print-config` masks it (with `mask`, else wholly). */
  readonly isSecret?: boolean
  /** How `--print-config` masks this secret, when part of it may show (a URL's password). */
  readonly mask?: (value: string) => string
  /** The key must be present in its object. */
  readonly isRequired?: boolean
}

export type Schema =
  | (Described & { readonly kind: 'integer'; readonly min: number; readonly max: number })
  | (Described & { readonly kind: 'boolean' })
  | (Described & {
      readonly kind: 'string'
      readonly minLength?: number
      /** Says what was expected when the value is not acceptable; undefined when it is. */
      readonly check?: (value: string) => string | undefined
    })
  | (Described & { readonly kind: 'choice'; readonly choices: readonly string[] })
  | (Described & { readonly kind: 'list'; readonly items: Schema })
  | (Described & { readonly kind: 'object'; readonly fields: Readonly<Record<string, Schema>> })
  | (Described & { readonly kind: 'record'; readonly keyName: string; readonly values: Schema })

type Fields = Readonly<Record<string, Schema>>
type RequiredKeys<F extends Fields> = {
  [K in keyof F]: F[K] extends { isRequired: true } ? K : never
}[keyof F]

/** The TypeScript type of values a schema accepts. */
export type Infer<S extends Schema> = S extends { kind: 'integer' }
  ? number
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'string' }
      ? string
      : S extends { kind: 'choice'; choices: readonly (infer C)[] }
        ? C
        : S extends { kind: 'list'; items: infer I extends Schema }
          ? Infer<I>[]
          : S extends { kind: 'record'; values: infer V extends Schema }
            ? Record<string, Infer<V>>
            : S extends { kind: 'object'; fields: infer F extends Fields }
              ? { [K in RequiredKeys<F>]: Infer<F[K]> } & {
                  [K in Exclude<keyof F, RequiredKeys<F>>]?: Infer<F[K]>
                }
              : never

/** A config value that does not fit the schema; the message is one line naming the key. */
export class SchemaError extends Error {
  override readonly name = 'SchemaError'
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path === '' ? '(top level)' : path}: ${expected}`)
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Lists known keys in an error only when there are few enough to read. */
const MAX_LISTED_KEYS = 12

const describeType = (schema: Schema): string => {
  switch (schema.kind) {
    case 'integer':
      return schema.max === Number.MAX_SAFE_INTEGER
        ? `a whole number, ${schema.min} or more`
        : `a whole number from ${schema.min} to ${schema.max}`
    case 'boolean':
      return 'true or false'
    case 'string':
      return schema.minLength === undefined
        ? 'a non-empty string'
        : `a string of at least ${schema.minLength} characters`
    case 'choice':
      return `one of ${schema.choices.join(', ')}`
    case 'list':
      return schema.items.kind === 'choice'
        ? `a list of ${schema.items.choices.join(', ')}`
        : `a list of ${describeType(schema.items).replace(/^an? /, '')}s`
    case 'object':
      return 'an object'
    case 'record':
      return `an object of ${schema.keyName}s`
  }
}

/** The docs' short type name of a schema. */
export const typeName = describeType

/** What `--print-config` shows for a wholly masked secret. */
export const MASKED = '********'

/** A copy of `value` (valid for `schema`) with every secret in it masked. */
export const maskSecrets = (schema: Schema, value: unknown): unknown => {
  if (value === undefined) return undefined
  if (schema.isSecret === true && typeof value === 'string')
    return schema.mask === undefined ? MASKED : schema.mask(value)
  switch (schema.kind) {
    case 'list':
      return (value as unknown[]).map((item) => maskSecrets(schema.items, item))
    case 'record':
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([key, item]) => [
          key,
          maskSecrets(schema.values, item),
        ]),
      )
    case 'object':
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([key, item]) => {
          const field = schema.fields[key]
          return [key, field === undefined ? item : maskSecrets(field, item)]
        }),
      )
    case 'integer':
    case 'boolean':
    case 'string':
    case 'choice':
      return value
  }
}

const join = (path: string, key: string): string =>
  path === ''
    ? key
    : /^[A-Za-z_$][\w$]*$/.test(key)
      ? `${path}.${key}`
      : `${path}[${JSON.stringify(key)}]`

/**
 * Checks `value` against `schema`; throws a {@link SchemaError} at the first mistake. Once it
 * returns, `value` is an `Infer<typeof schema>`.
 */
export const validate = (schema: Schema, value: unknown, path = ''): void => {
  const fail = (expected: string): never => {
    throw new SchemaError(path, expected)
  }
  switch (schema.kind) {
    case 'integer':
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < schema.min ||
        value > schema.max
      )
        fail(`expected ${describeType(schema)}`)
      break
    case 'boolean':
      if (typeof value !== 'boolean') fail('expected true or false')
      break
    case 'string': {
      if (typeof value !== 'string' || value === '') fail(`expected ${describeType(schema)}`)
      const text = value as string
      if (schema.minLength !== undefined && text.length < schema.minLength)
        fail(`expected ${describeType(schema)}`)
      const problem = schema.check?.(text)
      if (problem !== undefined) fail(`expected ${problem}`)
      break
    }
    case 'choice':
      if (typeof value !== 'string' || !schema.choices.includes(value))
        fail(`expected one of ${schema.choices.join(', ')}`)
      break
    case 'list':
      if (!Array.isArray(value)) fail(`expected ${describeType(schema)}`)
      ;(value as unknown[]).forEach((item, index) => {
        try {
          validate(schema.items, item, `${path}[${index}]`)
        } catch (error) {
          // A list of scalars is one key to the reader: name it, not the item.
          if (error instanceof SchemaError && schema.items.kind !== 'object')
            throw new SchemaError(path, `expected ${describeType(schema)}`)
          throw error
        }
      })
      break
    case 'object': {
      if (!isObject(value)) fail('expected an object')
      const object = value as Record<string, unknown>
      const known = Object.keys(schema.fields)
      for (const key of Object.keys(object))
        if (!known.includes(key)) {
          const guess = didYouMean(key, known)
          const hint =
            guess !== undefined
              ? `; did you mean ${guess}?`
              : known.length <= MAX_LISTED_KEYS
                ? ` (known: ${known.join(', ')})`
                : ' (see the config reference in docs/operations.md)'
          throw new SchemaError(join(path, key), `unknown key${hint}`)
        }
      for (const [key, field] of Object.entries(schema.fields)) {
        if (object[key] === undefined) {
          if (field.isRequired === true)
            throw new SchemaError(join(path, key), `missing: expected ${describeType(field)}`)
          continue
        }
        validate(field, object[key], join(path, key))
      }
      break
    }
    case 'record': {
      if (!isObject(value)) fail(`expected ${describeType(schema)}`)
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (key === '') fail(`a ${schema.keyName} must not be empty`)
        validate(schema.values, item, `${path}[${JSON.stringify(key)}]`)
      }
      break
    }
  }
}
