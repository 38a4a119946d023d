import { useEffect, useRef } from 'preact/hooks'
import { NameForm } from './NameForm.tsx'

interface Props {
  name: string
  onSubmit: (name: string) => void
  onClose: () => void
}

/** The name form as a modal dialog over the room: Escape or Cancel closes it. */
export const NameDialog = ({ name, onSubmit, onClose }: Props) => {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  return (
    <dialog ref={dialog} class="dialog" aria-label="Change your name" onClose={onClose}>
      <NameForm initial={name} onSubmit={onSubmit} onCancel={onClose} />
    </dialog>
  )
}
