/** How `hubbub sub` and `hubbub history` print a publication: for people, or one JSON line. */
import type { Pub } from '../client/node.js'
import type { Palette } from './palette.js'
import { printable } from './printable.js'

/** The text of a chat-style publication (`{ text: string }`), or undefined for other data. */
export const textOf = (data: unknown): string | undefined =>
  typeof data === 'object' &&
  data !== null &&
  'text' in data &&
  typeof data.text === 'string' &&
  Object.keys(data).length === 1
    ? data.text
    : undefined

const twoDigits = (value: number): string => String(value).padStart(2, '0')

/** `HH:MM:SS` in local time. */
export const clockTime = (timeMs: number): string => {
  const date = new Date(timeMs)
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}`
}

/**
 * One line for people: `12:03:04 #7 Alice: hello` for `{ text }` data, the data as JSON
 * otherwise; `server` when no client published it.
 */
export const formatPub = (pub: Pub, palette: Palette): string => {
  const name = printable(pub.from?.name ?? 'server')
  const who = palette.byKey(pub.from?.user ?? '', palette.bold(name))
  const text = printable(textOf(pub.data) ?? JSON.stringify(pub.data))
  return `${palette.dim(`${clockTime(pub.time)} #${pub.seq}`)} ${who}: ${text}`
}

/**
 * One JSON object on one line, for scripts: `{"channel","seq","epoch","time","from","data"}`
 * (`from` absent when the server published it).
 */
export const formatPubJson = (channel: string, pub: Pub): string =>
  JSON.stringify({
    channel,
    seq: pub.seq,
    epoch: pub.epoch,
    time: pub.time,
    ...(pub.from === undefined ? {} : { from: pub.from }),
    data: pub.data,
  })
