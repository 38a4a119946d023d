import {
  ErrorCode,
  channelProblem,
  depthOf,
  isPosition,
  type Position,
} from '../../protocol/index.js'
import { ApiFailure } from './errors.js'

/** The limits an API body is decoded under (the protocol's own, from the server options). */
export interface ParamLimits {
  maxChannelLength: number
  maxDataDepth: number
  maxPublishBytes: number
}

type Fields = Record<string, unknown>

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * One method's params, read field by field: each reader throws a 400 {@link ApiFailure} naming
 * the field, and {@link Params.done} refuses any field no reader asked for (a typo such as
 * `chanel` is an error, not an ignored field).
 */
export class Params {
  readonly #fields: Fields
  readonly #limits: ParamLimits
  readonly #read = new Set<string>()

  constructor(body: unknown, limits: ParamLimits) {
    if (!isObject(body)) throw ApiFailure.badRequest('the body must be a JSON object')
    this.#fields = body
    this.#limits = limits
  }

  #take(field: string): unknown {
    this.#read.add(field)
    return this.#fields[field]
  }

  has(field: string): boolean {
    return this.#fields[field] !== undefined
  }

  channel(field = 'channel'): string {
    return this.#checkChannel(field, this.#take(field))
  }

  channels(field: string): string[] {
    const value = this.#take(field)
    if (!Array.isArray(value) || value.length === 0)
      throw ApiFailure.badRequest(`"${field}" must be a non-empty array of channel names`)
    return value.map((item, index) => this.#checkChannel(`${field}[${index}]`, item))
  }

  /** JSON data for a publication: required, no deeper than `maxDataDepth`, at most `maxPublishBytes`. */
  data(field = 'data'): unknown {
    const value = this.payload(field, { isRequired: true })
    const bytes = Buffer.byteLength(JSON.stringify(value))
    if (bytes > this.#limits.maxPublishBytes)
      throw new ApiFailure(
        413,
        ErrorCode.TooLarge,
        `"${field}" is ${bytes} bytes, more than ${this.#limits.maxPublishBytes}`,
      )
    return value
  }

  /** Any JSON value no deeper than `maxDataDepth`; undefined when absent and not required. */
  payload(field: string, { isRequired }: { isRequired: boolean }): unknown {
    const value = this.#take(field)
    if (value === undefined) {
      if (isRequired) throw ApiFailure.badRequest(`"${field}" is required`)
      return undefined
    }
    const { maxDataDepth } = this.#limits
    if (depthOf(value, maxDataDepth) > maxDataDepth)
      throw ApiFailure.badRequest(`"${field}" is nested deeper than ${maxDataDepth} levels`)
    return value
  }

  string(field: string, maxLength: number): string {
    const value = this.optionalString(field, maxLength)
    if (value === undefined || value === '')
      throw ApiFailure.badRequest(`"${field}" must be a non-empty string`)
    return value
  }

  optionalString(field: string, maxLength: number): string | undefined {
    const value = this.#take(field)
    if (value === undefined) return undefined
    if (typeof value !== 'string') throw ApiFailure.badRequest(`"${field}" must be a string`)
    if (value.length > maxLength)
      throw ApiFailure.badRequest(`"${field}" is longer than ${maxLength} characters`)
    return value
  }

  optionalBoolean(field: string): boolean | undefined {
    const value = this.#take(field)
    if (value === undefined || typeof value === 'boolean') return value
    throw ApiFailure.badRequest(`"${field}" must be a boolean`)
  }

  optionalCount(field: string): number | undefined {
    const value = this.#take(field)
    if (value === undefined) return undefined
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw ApiFailure.badRequest(`"${field}" must be a non-negative integer`)
    return value
  }

  optionalPosition(field: string): Position | undefined {
    const value = this.#take(field)
    if (value === undefined) return undefined
    if (!isPosition(value))
      throw ApiFailure.badRequest(`"${field}" must be { epoch: string, seq: non-negative integer }`)
    return { epoch: value.epoch, seq: value.seq }
  }

  /** Ends decoding: a field no reader took is refused, by name. */
  done(): void {
    for (const field of Object.keys(this.#fields))
      if (!this.#read.has(field))
        throw ApiFailure.badRequest(`unknown field "${field.slice(0, 64)}"`)
  }

  #checkChannel(field: string, value: unknown): string {
    const problem = channelProblem(value, this.#limits.maxChannelLength)
    if (problem !== undefined) throw ApiFailure.badRequest(`"${field}" ${problem}`)
    return value as string
  }
}
