import type { App } from '../server/index.js'
import { createChatApp } from './chat/index.js'
import { createTextApp } from './text/index.js'

export { createChatApp } from './chat/index.js'
export { createTextApp, type TextAppOptions } from './text/index.js'

/** The apps `hubbub serve` runs, in set-up order. */
export const bundledApps = (): App[] => [createChatApp(), createTextApp()]
