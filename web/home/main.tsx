import { render } from 'preact'
import '../src/theme.css'
import './home.css'
import { connectHub } from '../src/hub.ts'
import { Home } from './Home.tsx'

const root = document.getElementById('app')
if (root === null) throw new Error('the page has no #app element')
render(<Home client={connectHub()} />, root)
