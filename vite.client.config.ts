import { defineConfig } from 'vite'

/** The browser bundle of `hubbub/client`: one ES module, served by the server at `/hubbub.js`. */
export default defineConfig({
  build: {
    lib: {
      entry: 'src/client/index.ts',
      formats: ['es'],
      fileName: () => 'hubbub.js',
    },
    outDir: 'dist/browser',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
})
