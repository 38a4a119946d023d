import { render } from 'preact'
import '../src/theme.css'
import './board.css'
import { BoardApp } from './BoardApp.tsx'

const root = document.getElementById('app')
if (root === null) throw new Error('the page has no #app element')
render(<BoardApp />, root)
