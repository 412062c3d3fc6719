import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchVerification } from '../../../core/domains/domain-verification.ts';

const answer = (...records: string[][]) => ({ ok: true as const, records });

describe('matchVerification', () => {
  it('wants a TXT record reading postal-verification <token>, among any others', () => {
    assert.deepEqual(
      matchVerification('example.com', answer(['v=spf1 -all'], ['postal-verification ', 'tok']), 'tok'),
      { verified: true },
    );
    assert.deepEqual(matchVerification('example.com', answer(['postal-verification other']), 'tok'), {
      verified: false,
      reason:
        'Expected a TXT record "postal-verification tok" at example.com, found "postal-verification other"',
    });
    assert.deepEqual(matchVerification('example.com', answer(), 'tok'), {
      verified: false,
      reason: 'Expected a TXT record "postal-verification tok" at example.com, found no TXT records',
    });
  });

  it('reports a failed lookup as unverified, with the reason', () => {
    assert.deepEqual(
      matchVerification('example.com', { ok: false, reason: 'queryTxt ETIMEOUT example.com' }, 'tok'),
      {
        verified: false,
        reason: 'Could not look up the TXT records of example.com: queryTxt ETIMEOUT example.com',
      },
    );
  });
});
