import { render } from 'preact'
import 'uplot/dist/uPlot.min.css'
import '../src/theme.css'
import './dashboard.css'
import { connectHub } from '../src/hub.ts'
import { DashboardApp } from './DashboardApp.tsx'

const root = document.getElementById('app')
if (root === null) throw new Error('the page has no #app element')
render(<DashboardApp client={connectHub()} />, root)
