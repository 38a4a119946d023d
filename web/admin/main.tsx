import { render } from 'preact'
import '../src/theme.css'
import './admin.css'
import { AdminApp } from './AdminApp.tsx'

const root = document.getElementById('app')
if (root === null) throw new Error('the page has no #app element')
render(<AdminApp />, root)
