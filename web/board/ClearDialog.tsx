import { useEffect, useRef } from 'preact/hooks'

interface Props {
  board: string
  onConfirm: () => void
  onClose: () => void
}

/** Asks before clearing the board for everyone; Escape or Cancel keeps it. */
export const ClearDialog = ({ board, onConfirm, onClose }: Props) => {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="clear-heading"
      aria-describedby="clear-text"
      onClose={onClose}
    >
      <form
        class="confirm card"
        onSubmit={(event) => {
          event.preventDefault()
          onConfirm()
        }}
      >
        <h2 id="clear-heading">Clear the board for everyone?</h2>
        <p id="clear-text" class="confirm__text">
          Everyone on <code>{board}</code> sees an empty board, now and when they come back. This
          cannot be undone.
        </p>
        <div class="confirm__actions">
          <button type="button" class="button button--quiet" onClick={onClose} autoFocus>
            Cancel
          </button>
          <button type="submit" class="button button--danger">
            Clear the board
          </button>
        </div>
      </form>
    </dialog>
  )
}
