import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const page = (path: string): string => fileURLToPath(new URL(`web/${path}`, import.meta.url))

/**
 * The web apps (`web/`, one page per app), built into `dist/web`, which `hubbub serve` serves at
 * `/`. Pages import the SDK from its source, so each page's bundle carries only what it uses.
 */
export default defineConfig({
  root: page(''),
  base: '/',
  // JSX through Vite's own Oxc transform, with Preact's automatic runtime: no plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      input: {
        home: page('index.html'),
        chat: page('chat/index.html'),
        counter: page('counter/index.html'),
        buzzer: page('buzzer/index.html'),
        notify: page('notify/index.html'),
        dashboard: page('dashboard/index.html'),
        board: page('board/index.html'),
        admin: page('admin/index.html'),
      },
    },
  },
})
