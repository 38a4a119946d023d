import { readItem, writeItem } from './storage.ts'

const KEY = 'hubbub.name'

/** Longest display name the apps accept (the server's limit is 64). */
export const MAX_NAME_LENGTH = 32

/** A display name as typed, trimmed, with runs of white space as one space; '' if none is left. */
export const cleanName = (typed: string): string =>
  typed.trim().replace(/\s+/g, ' ').slice(0, MAX_NAME_LENGTH)

/** The display name this browser chose last, if any. */
export const rememberedName = (): string | undefined => {
  const name = cleanName(readItem(KEY) ?? '')
  return name === '' ? undefined : name
}

export const rememberName = (name: string): void => {
  writeItem(KEY, name)
}
