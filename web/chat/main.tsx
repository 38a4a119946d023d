import { render } from 'preact'
import '../src/theme.css'
import '../src/name-form.css'
import './chat.css'
import { ChatApp } from './ChatApp.tsx'

const root = document.getElementById('app')
if (root === null) throw new Error('the page has no #app element')
render(<ChatApp />, root)
