/**
 * A target's server as a child process of the generator, on loopback. It is ready once a line of
 * its output (stdout or stderr) matches `readyPattern`; the pattern's first group, when there is
 * one, is its port.
 */
import { spawn } from 'node:child_process'
import process from 'node:process'
import { clearTimeout, setTimeout } from 'node:timers'

/**
 * Starts `command args` in `cwd` and resolves with `{ pid, port, stop(), isRunning(),
 * stderrTail() }` once it is ready. `stop()` sends SIGTERM, then SIGKILL after `graceMs`, and
 * resolves once the child exited (called again, it returns the same promise). However the
 * generator ends, the child ends with it.
 */
export const startProcess = ({ command, args, cwd, readyPattern, timeoutMs = 15_000 }) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const killOnExit = () => child.kill('SIGKILL')
    process.once('exit', killOnExit)
    let output = ''
    let stderr = ''
    let isReady = false
    let stopping
    const exited = new Promise((done) => child.once('exit', done))
    void exited.then(() => process.removeListener('exit', killOnExit))
    const server = {
      pid: child.pid,
      port: 0,
      stderrTail: () => stderr.slice(-2_000),
      isRunning: () => child.exitCode === null && child.signalCode === null,
      stop(graceMs = 3_000) {
        // Once: a second SIGTERM would make some servers (hubbub) skip their graceful shutdown.
        stopping ??= (async () => {
          if (!server.isRunning()) return
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
          await exited
          clearTimeout(timer)
        })()
        return stopping
      },
    }
    const fail = (message) => {
      child.kill('SIGKILL')
      reject(new Error(`${message}\n${command} stderr:\n${server.stderrTail()}`))
    }
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs)
    const watch = (chunk) => {
      if (isReady) return
      output = (output + chunk).slice(-8_000)
      const match = readyPattern.exec(output)
      if (match === null) return
      isReady = true
      clearTimeout(timer)
      server.port = Number(match[1] ?? 0)
      resolve(server)
    }
    child.stdout.on('data', watch)
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-8_000)
      watch(chunk)
    })
    child.once('exit', (code, signal) => {
      if (isReady) return
      clearTimeout(timer)
      fail(`${command} exited before it was ready (code ${code}, signal ${signal})`)
    })
    child.once('error', (err) => fail(`cannot start ${command}: ${err.message}`))
  })
