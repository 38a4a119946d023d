import { render } from 'preact'
import '../src/theme.css'
import './notify.css'
import { connectHub } from '../src/hub.ts'
import { NotifyApp } from './NotifyApp.tsx'

const root = document.getElementById('app')
if (root === null) throw new Error('the page has no #app element')
render(<NotifyApp client={connectHub()} />, root)
