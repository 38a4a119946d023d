import { render } from 'preact'
import '../src/theme.css'
import './counter.css'
import { connectHub } from '../src/hub.ts'
import { counterName, CounterApp } from './CounterApp.tsx'

const root = document.getElementById('app')
if (root === null) throw new Error('the page has no #app element')
render(<CounterApp client={connectHub()} name={counterName(new URL(location.href))} />, root)
