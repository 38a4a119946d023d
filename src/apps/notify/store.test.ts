import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryEngine } from '../../engine/memory.js'
import type { Engine } from '../../engine/types.js'
import { createNotificationStore } from './store.js'

let engine: Engine | undefined
afterEach(async () => {
  await engine?.close()
  engine = undefined
})

const open = async (maxItems = 10) => {
  engine = createMemoryEngine()
  await engine.start(() => undefined)
  const { state } = engine
  return { state, store: createNotificationStore(state, { maxItems, now: () => 1_000 }) }
}

describe('notification store', () => {
  it('takes an item off the unread count once, however many callers mark or remove it', async () => {
    const { store } = await open()
    await store.add('u', { title: 'a', body: '' })
    await store.add('u', { title: 'b', body: '' })
    const results = await Promise.all([
      store.change('u', '1', 'read'),
      store.change('u', '1', 'read'),
      store.change('u', '1', 'dismiss'),
    ])
    expect(results.filter((result) => result?.changed === true)).toHaveLength(1)
    expect(await store.list('u')).toMatchObject({ unread: 1, items: [{ id: '2', read: false }] })
    expect(await store.change('u', '1', 'read')).toBeUndefined()
  })

  it('keeps counting items stored before the unread flags, each once', async () => {
    const { state, store } = await open(2)
    // As the previous version stored them: `read` in the item, an unread count, no flags.
    await state.set('notify:u:next', 2)
    await state.set('notify:u:unread', 1)
    await state.set('notify:u:item:1', { id: '1', title: 'old', body: '', time: 1, read: true })
    await state.set('notify:u:item:2', { id: '2', title: 'old', body: '', time: 2, read: false })
    expect(await store.list('u')).toMatchObject({
      unread: 1,
      items: [
        { id: '2', read: false },
        { id: '1', read: true },
      ],
    })
    expect(await store.change('u', '1', 'read')).toEqual({ unread: 1, changed: false })
    expect(await store.change('u', '2', 'read')).toEqual({ unread: 0, changed: true })
    expect(await store.change('u', '2', 'read')).toEqual({ unread: 0, changed: false })
    // A new item forgets item 1; the old flags never count again.
    expect((await store.add('u', { title: 'new', body: '' })).unread).toBe(1)
    expect(await store.list('u')).toMatchObject({
      unread: 1,
      items: [
        { id: '3', read: false },
        { id: '2', read: true },
      ],
    })
  })
})
