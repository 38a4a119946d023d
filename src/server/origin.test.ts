import { describe, expect, it } from 'vitest'
import { isOriginAllowed } from './origin.js'

describe('isOriginAllowed', () => {
  it('allows non-browsers, the same origin and localhost', () => {
    expect(isOriginAllowed(undefined, 'hub.example.com', [])).toBe(true)
    expect(isOriginAllowed('https://hub.example.com', 'hub.example.com', [])).toBe(true)
    expect(isOriginAllowed('http://localhost:5173', 'hub.example.com', [])).toBe(true)
    expect(isOriginAllowed('http://127.0.0.1:8080', 'hub.example.com', [])).toBe(true)
    expect(isOriginAllowed('http://[::1]:8080', 'hub.example.com', [])).toBe(true)
  })

  it('refuses other origins unless listed, and garbage always', () => {
    expect(isOriginAllowed('https://evil.com', 'hub.example.com', [])).toBe(false)
    expect(isOriginAllowed('https://localhost.evil.com', 'hub.example.com', [])).toBe(false)
    expect(isOriginAllowed('https://app.com', 'hub.example.com', ['https://app.com/'])).toBe(true)
    expect(isOriginAllowed('http://app.com', 'hub.example.com', ['https://app.com'])).toBe(false)
    expect(isOriginAllowed('null', 'hub.example.com', [])).toBe(false)
    expect(isOriginAllowed('https://evil.com', 'hub.example.com', ['*'])).toBe(true)
  })
})
