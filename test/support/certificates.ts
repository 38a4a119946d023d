import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A self-signed certificate for localhost and 127.0.0.1 that a test made with openssl. */
export interface TestCertificate {
  certFile: string
  keyFile: string
  cert: string
  key: string
  /** SHA-256 fingerprint, as `X509Certificate.fingerprint256` and `getPeerCertificate` give it. */
  fingerprint: string
}

/**
 * Makes certificates in a temporary directory with /usr/bin/openssl (EC P-256, valid one day);
 * `remove()` deletes them.
 */
export const createCertificates = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hubbub-tls-'))
  let count = 0
  const make = (commonName = 'localhost'): TestCertificate => {
    count += 1
    const keyFile = join(dir, `key-${count}.pem`)
    const certFile = join(dir, `cert-${count}.pem`)
    execFileSync(
      '/usr/bin/openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'pipe' },
    )
    const cert = readFileSync(certFile, 'utf8')
    return {
      certFile,
      keyFile,
      cert,
      key: readFileSync(keyFile, 'utf8'),
      fingerprint: new X509Certificate(cert).fingerprint256,
    }
  }
  return {
    dir,
    make,
    remove() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
