import { useEffect } from 'preact/hooks'
import type { Client } from '../../src/client/index.ts'
import { useConnection } from '../src/use-connection.ts'
import { useCounter } from './use-counter.ts'

/** Keys that add one or take one away, wherever the focus is (but in a text field). */
const KEY_DELTAS: Record<string, number> = { '+': 1, '=': 1, ArrowUp: 1, '-': -1, ArrowDown: -1 }

const isTyping = (target: EventTarget | null): boolean =>
  target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement

const formatter = new Intl.NumberFormat()

interface Props {
  client: Client
  name: string
}

/** The shared number, with − and + buttons and the same on the keyboard. */
export const CounterPanel = ({ client, name }: Props) => {
  const { value, add, error } = useCounter(client, name)
  const isConnected = useConnection(client) === 'connected'
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const delta = KEY_DELTAS[event.key]
      if (delta === undefined || !isConnected || isTyping(event.target)) return
      if (event.ctrlKey || event.metaKey || event.altKey) return
      event.preventDefault()
      add(delta)
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
    }
  }, [add, isConnected])
  return (
    <section class="counter card" aria-labelledby="counter-name">
      <h2 id="counter-name" class="counter__name">
        Counter <code>{name}</code>
      </h2>
      <output class="counter__value" data-testid="value" aria-live="polite" aria-atomic="true">
        {value === undefined ? '…' : formatter.format(value)}
      </output>
      <div class="counter__buttons">
        <button
          type="button"
          class="counter__button"
          aria-label="Take one away"
          aria-keyshortcuts="- ArrowDown"
          disabled={!isConnected}
          onClick={() => {
            add(-1)
          }}
        >
          −
        </button>
        <button
          type="button"
          class="counter__button counter__button--plus"
          aria-label="Add one"
          aria-keyshortcuts="+ ArrowUp"
          disabled={!isConnected}
          onClick={() => {
            add(1)
          }}
        >
          +
        </button>
      </div>
      <p class="counter__hint">
        Keys: <kbd>+</kbd> or <kbd>↑</kbd> adds one, <kbd>−</kbd> or <kbd>↓</kbd> takes one away.
        Every tab shows the same number, and it survives a server restart.
      </p>
      {error === undefined ? null : (
        <p class="counter__error" role="alert">
          The last click may not have counted: {error}
        </p>
      )}
    </section>
  )
}
