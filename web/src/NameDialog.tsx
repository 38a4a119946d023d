import { useEffect, useRef } from 'preact/hooks'
import { NameForm, type NameFormTexts } from './NameForm.tsx'

interface Props {
  name: string
  texts: NameFormTexts
  onSubmit: (name: string) => void
  onClose: () => void
}

/** The name form as a modal dialog over the page: Escape or Cancel closes it. */
export const NameDialog = ({ name, texts, onSubmit, onClose }: Props) => {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  return (
    <dialog ref={dialog} class="dialog" aria-label="Change your name" onClose={onClose}>
      <NameForm initial={name} texts={texts} onSubmit={onSubmit} onCancel={onClose} />
    </dialog>
  )
}
