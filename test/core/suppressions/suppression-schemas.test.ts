import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suppressionCsv } from '../../../core/suppressions/suppression-schemas.ts';

describe('suppressionCsv', () => {
  it('writes a header and one RFC 4180 line per entry, quoting only where needed', () => {
    const csv = suppressionCsv([
      {
        address: 'a@example.com',
        reason: 'too many hard fails',
        source: 'automatic',
        timestamp: '2026-11-25T12:00:00.000Z',
        keep_until: '2026-12-25T12:00:00.000Z',
      },
      {
        address: 'b@example.com',
        reason: 'asked, "politely", to\nstop',
        source: 'manual',
        timestamp: '2026-11-25T12:00:00.000Z',
        keep_until: null,
      },
    ]);
    assert.equal(
      csv,
      'address,reason,source,timestamp,keep_until\r\n' +
        'a@example.com,too many hard fails,automatic,2026-11-25T12:00:00.000Z,2026-12-25T12:00:00.000Z\r\n' +
        'b@example.com,"asked, ""politely"", to\nstop",manual,2026-11-25T12:00:00.000Z,\r\n',
    );
  });

  it('writes only the header for an empty list', () => {
    assert.equal(suppressionCsv([]), 'address,reason,source,timestamp,keep_until\r\n');
  });
});
