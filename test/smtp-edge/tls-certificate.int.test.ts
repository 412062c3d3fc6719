import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTlsCertificate } from '../../smtp-edge/tls-certificate.ts';

const NOW = Date.UTC(2026, 10, 25);
const YEAR = 365 * 24 * 60 * 60 * 1000;

void describe('loadTlsCertificate', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postern-tls-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  void it('generates a self-signed certificate for the host name and reuses it on the next start', async () => {
    const cacheDir = join(dir, 'cache');
    const first = await loadTlsCertificate({ hostname: 'mx.postern.test', cacheDir, now: NOW });
    const certificate = new X509Certificate(first.cert);
    assert.equal(certificate.checkHost('mx.postern.test'), 'mx.postern.test');
    assert.equal(Date.parse(certificate.validFrom), NOW);
    assert.deepEqual((await readdir(cacheDir)).sort(), [
      'smtp-mx.postern.test.cert.pem',
      'smtp-mx.postern.test.key.pem',
    ]);
    assert.equal((await stat(join(cacheDir, 'smtp-mx.postern.test.key.pem'))).mode & 0o777, 0o600);
    const second = await loadTlsCertificate({ hostname: 'mx.postern.test', cacheDir, now: NOW + YEAR });
    assert.equal(second.cert, first.cert);
  });

  void it('replaces a cached certificate that is about to expire or unreadable', async () => {
    const cacheDir = join(dir, 'renew');
    const first = await loadTlsCertificate({ hostname: 'mx.postern.test', cacheDir, now: NOW });
    const renewed = await loadTlsCertificate({ hostname: 'mx.postern.test', cacheDir, now: NOW + 5 * YEAR });
    assert.notEqual(renewed.cert, first.cert);
    await writeFile(join(cacheDir, 'smtp-mx.postern.test.cert.pem'), 'garbage');
    const replaced = await loadTlsCertificate({ hostname: 'mx.postern.test', cacheDir, now: NOW });
    assert.match(replaced.cert, /BEGIN CERTIFICATE/);
  });

  void it('reads operator-supplied files, and wants both of them', async () => {
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    await writeFile(certFile, 'CERT');
    await writeFile(keyFile, 'KEY');
    assert.deepEqual(
      await loadTlsCertificate({ certFile, keyFile, hostname: 'x', cacheDir: dir, now: NOW }),
      {
        cert: 'CERT',
        key: 'KEY',
      },
    );
    await assert.rejects(loadTlsCertificate({ certFile, hostname: 'x', cacheDir: dir, now: NOW }), /both/);
  });
});
