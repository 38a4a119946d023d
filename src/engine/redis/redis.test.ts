import { afterAll, beforeAll } from 'vitest'
import {
  disposeRedisServer,
  startRedisServer,
  type RedisServer,
} from '../../../test/support/redis-server.js'
import { runEngineContract } from '../contract.js'
import type { Engine } from '../types.js'
import { createRedisEngine } from './index.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await disposeRedisServer(redis)
})

/** A prefix of this run's own, so that nothing an earlier engine left behind is seen. */
const prefix = `contract-${Math.random().toString(36).slice(2, 10)}`
const make = (): Engine => createRedisEngine({ url: redis.url, prefix, positionCheckMs: 200 })

runEngineContract('redis', make, {
  makePeers: () => Promise.resolve<[Engine, Engine]>([make(), make()]),
})
