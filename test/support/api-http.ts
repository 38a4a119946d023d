import { request, type Agent, type IncomingHttpHeaders } from 'node:http'

export interface HttpAnswer {
  status: number
  headers: IncomingHttpHeaders
  /** The body parsed as JSON (every API answer is JSON). */
  json: Record<string, unknown>
  /** Whether the request went over a kept-alive socket an earlier request used. */
  isReusedSocket: boolean
}

export interface PostOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string
  method?: string
  /** The body as is (a string or bytes); otherwise `JSON.stringify(body)`. */
  raw?: string | Buffer
  headers?: Record<string, string>
  agent?: Agent
}

/** One real HTTP request to `port` (loopback), answered with its status, headers and JSON body. */
export const post = (
  port: number,
  path: string,
  body: unknown = {},
  { key, method = 'POST', raw, headers = {}, agent }: PostOptions = {},
): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const payload = raw ?? (body === undefined ? '' : JSON.stringify(body))
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          try {
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              json: JSON.parse(text) as Record<string, unknown>,
              isReusedSocket: req.reusedSocket,
            })
          } catch {
            reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`))
          }
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
