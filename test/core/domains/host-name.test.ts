import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostName } from '../../../core/domains/host-name.ts';

const domain = (input: string) => parseHostName(input, { requireDot: true });

describe('parseHostName', () => {
  it('lower-cases, drops one trailing dot and converts unicode to punycode', () => {
    assert.deepEqual(domain(' Example.COM. '), { ok: true, name: 'example.com' });
    assert.deepEqual(domain('Bücher.example'), { ok: true, name: 'xn--bcher-kva.example' });
    assert.deepEqual(domain('xn--bcher-kva.example'), { ok: true, name: 'xn--bcher-kva.example' });
  });

  it('refuses what is not a domain name, saying why', () => {
    const reasons = {
      example: 'must contain a dot',
      'exa mple.com': 'only letters, digits, dots and inner dashes are allowed',
      'a_b.com': 'only letters, digits, dots and inner dashes are allowed',
      '-a.com': 'only letters, digits, dots and inner dashes are allowed',
      'a..com': 'has an empty label',
      '.com': 'has an empty label',
      '1.2.3.4': 'an IP address is not a domain name',
      'ex%61mple.com': 'only letters, digits, dots and inner dashes are allowed',
      [`${'a'.repeat(64)}.com`]: 'labels are at most 63 characters',
      [`${'a.'.repeat(127)}com`]: 'at most 253 characters',
      '': 'not a valid domain name',
    };
    for (const [input, reason] of Object.entries(reasons)) {
      assert.deepEqual(domain(input), { ok: false, reason }, input);
    }
  });

  it('takes single labels when no dot is required', () => {
    assert.deepEqual(parseHostName('LocalHost', { requireDot: false }), { ok: true, name: 'localhost' });
  });
});
