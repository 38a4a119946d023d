import { checkDisplayName, type NameCheck } from '../../src/protocol/display-name.ts'
import { readItem, writeItem } from './storage.ts'

const KEY = 'hubbub.name'

/** Longest display name the apps accept (the server's limit is 64). */
export const MAX_NAME_LENGTH = 32

/**
 * A display name as typed, checked as the server checks it (`checkDisplayName`: normalised,
 * refused with control or invisible characters, or when it reads as `Server`), within this page's
 * limit; ok and '' when nothing is left. Checking here saves a connect the server would refuse.
 */
export const checkName = (typed: string): NameCheck => checkDisplayName(typed, MAX_NAME_LENGTH)

/** The display name this browser chose last, if any and if it is still one the server takes. */
export const rememberedName = (): string | undefined => {
  const check = checkName(readItem(KEY) ?? '')
  return check.ok && check.name !== '' ? check.name : undefined
}

export const rememberName = (name: string): void => {
  writeItem(KEY, name)
}
