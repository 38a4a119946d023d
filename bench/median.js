/**
 * The median of a target's runs, figure by figure: each number is the median of that number over
 * the runs (so one figure's median run may differ from another's), each boolean the majority,
 * anything else the first run's that has it. Objects and arrays are walked alike.
 */
const medianOfNumbers = (values) => {
  const sorted = values
    .filter((value) => typeof value === 'number' && !Number.isNaN(value))
    .sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export const median = (runs) => {
  const first = runs.find((run) => run !== undefined)
  if (typeof first === 'number') return medianOfNumbers(runs)
  if (typeof first === 'boolean') return runs.filter(Boolean).length * 2 > runs.length
  if (Array.isArray(first)) return first.map((_item, i) => median(runs.map((run) => run?.[i])))
  if (typeof first === 'object' && first !== null) {
    const keys = new Set(runs.flatMap((run) => Object.keys(run ?? {})))
    return Object.fromEntries([...keys].map((key) => [key, median(runs.map((run) => run?.[key]))]))
  }
  return first
}
