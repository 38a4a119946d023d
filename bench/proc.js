/**
 * Readings from /proc (Linux only): CPU time of a process and of the machine, resident memory.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

const clockTicks = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return ticks > 0 ? ticks : 100
  } catch {
    return 100
  }
})()

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export const procCpuSeconds = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // After "pid (comm) ": state is field 3, utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicks
}

/** CPU seconds the machine (all cores) spent busy so far, interrupts included, from /proc/stat. */
export const machineCpuSeconds = () => {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/)
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number)
  return (user + nice + system + irq + softirq + steal) / clockTicks
}

/** Resident memory of a process in MiB, now (VmRSS) and at its peak (VmHWM). */
export const procMemory = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  const mib = (key) => Math.round((kib(key) / 1024) * 10) / 10
  return { rssMiB: mib('VmRSS'), peakMiB: mib('VmHWM') }
}

/** Resident memory of a process in bytes (VmRSS), unrounded. */
export const procRssBytes = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024
}

/** The pids of every descendant of `pid` (children, their children…), from /proc/<pid>/stat. */
export const descendantPids = (pid) => {
  const children = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch (err) {
      if (err.code === 'ENOENT' || err.code === 'ESRCH') continue // it exited since the listing
      throw err
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)])
  }
  const found = []
  for (let queue = [pid]; queue.length > 0;) {
    const kids = children.get(queue.shift()) ?? []
    found.push(...kids)
    queue.push(...kids)
  }
  return found
}
