/**
 * Reading `/metrics` in tests: a real GET over loopback, and the value of one sample of the
 * Prometheus text format picked by name and labels.
 */
import { request } from 'node:http'

export interface TextAnswer {
  status: number
  contentType: string | undefined
  text: string
}

/** One GET to `path` on `port` (loopback); `key` is sent as a bearer token. */
export const getText = (port: number, path: string, key?: string): Promise<TextAnswer> =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            text: Buffer.concat(chunks).toString('utf8'),
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })

/**
 * The value of sample `name` whose labels are exactly `labels` (in any order), or undefined when
 * the exposition has no such line.
 */
export const sampleValue = (
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined => {
  const wanted = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .sort()
    .join(',')
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match?.[1] !== name) continue
    const found = (match[2] ?? '')
      .split(',')
      .filter((part) => part !== '')
      .sort()
      .join(',')
    if (found === wanted) return Number(match[3])
  }
  return undefined
}

/** Scrapes `/metrics` and reads samples from it. */
export const scrape = async (
  port: number,
  key?: string,
): Promise<(name: string, labels?: Record<string, string>) => number | undefined> => {
  const answer = await getText(port, '/metrics', key)
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}: ${answer.text}`)
  return (name, labels) => sampleValue(answer.text, name, labels)
}
