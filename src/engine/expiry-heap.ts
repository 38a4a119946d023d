/**
 * A binary min-heap of things due at a time, kept in a plain array: `heap[0]` is always the
 * earliest. Lets an expiry sweep visit only what is due instead of scanning everything.
 */

/** Something the heap orders by `at` (milliseconds since the Unix epoch). */
export interface Due {
  readonly at: number
}

/** Adds `item` to `heap`, in O(log n). */
export const heapPush = <T extends Due>(heap: T[], item: T): void => {
  let i = heap.push(item) - 1
  while (i > 0) {
    const parentIndex = (i - 1) >> 1
    const parent = heap[parentIndex]
    if (parent === undefined || parent.at <= item.at) break
    heap[i] = parent
    i = parentIndex
  }
  heap[i] = item
}

/** Removes the earliest item, `heap[0]`, in O(log n); a no-op on an empty heap. */
export const heapPop = (heap: Due[]): void => {
  const last = heap.pop()
  if (last === undefined || heap.length === 0) return
  let i = 0
  for (;;) {
    const left = heap[2 * i + 1]
    const right = heap[2 * i + 2]
    let child = left
    let childIndex = 2 * i + 1
    if (right !== undefined && left !== undefined && right.at < left.at) {
      child = right
      childIndex += 1
    }
    if (child === undefined || child.at >= last.at) break
    heap[i] = child
    i = childIndex
  }
  heap[i] = last
}
