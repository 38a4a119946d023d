export * from './codes.js'
export * from './frames.js'
export * from './decode.js'
export * from './assert.js'
