import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { choosePool, type PoolRule } from '../../../core/ip-pools/choose-pool.ts';

let nextId = 1;
function rule(options: {
  pool: number;
  server?: boolean;
  from?: string[];
  to?: string[];
  at?: number;
}): PoolRule {
  const id = nextId++;
  return {
    id,
    server_id: options.server ? 7 : null,
    ip_pool_id: options.pool,
    from_text: (options.from ?? []).join('\n'),
    to_text: (options.to ?? []).join('\n'),
    created_at: options.at ?? 1000,
  };
}

const message = (from: string[], rcptTo: string) => ({ from, rcptTo });

describe('choosePool', () => {
  it('returns null when no rule matches, so the server keeps its own pool', () => {
    const rules = [rule({ pool: 1, to: ['gmail.com'] }), rule({ pool: 2, from: ['news@acme.test'] })];
    assert.equal(choosePool(rules, message(['hello@acme.test'], 'bob@example.com')), null);
    assert.equal(choosePool([], message(['hello@acme.test'], 'bob@example.com')), null);
  });

  it('matches a domain condition against the domain of the recipient or a From address', () => {
    const rules = [rule({ pool: 1, to: ['gmail.com'] }), rule({ pool: 2, from: ['marketing.acme.test'] })];
    assert.equal(choosePool(rules, message(['x@acme.test'], 'Bob@Gmail.com')), 1);
    assert.equal(choosePool(rules, message(['x@acme.test', 'y@marketing.acme.test'], 'a@b.test')), 2);
    // A domain condition names that domain only, not its subdomains or look-alikes.
    assert.equal(choosePool(rules, message(['x@acme.test'], 'bob@mail.gmail.com')), null);
    assert.equal(choosePool(rules, message(['x@acme.test'], 'bob@notgmail.com')), null);
  });

  it('strips a +tag from the address before comparing full addresses', () => {
    const rules = [rule({ pool: 3, to: ['bob@example.com'] }), rule({ pool: 4, from: ['news@acme.test'] })];
    assert.equal(choosePool(rules, message(['a@b.test'], 'bob+orders@example.com')), 3);
    assert.equal(choosePool(rules, message(['News Desk <NEWS+weekly@acme.test>'], 'z@y.test')), 4);
    assert.equal(choosePool(rules, message(['a@b.test'], 'bobby@example.com')), null);
  });

  it('checks server rules before organization rules, newest first within each', () => {
    const rules = [
      rule({ pool: 10, to: ['example.com'], at: 5000 }),
      rule({ pool: 11, server: true, to: ['example.com'], at: 1000 }),
      rule({ pool: 12, server: true, to: ['example.com'], at: 2000 }),
    ];
    assert.equal(choosePool(rules, message([], 'a@example.com')), 12);
    const orgOnly = [
      rule({ pool: 20, to: ['example.com'], at: 1000 }),
      rule({ pool: 21, to: ['example.com'], at: 3000 }),
    ];
    assert.equal(choosePool(orgOnly, message([], 'a@example.com')), 21);
  });

  it('falls through to an organization rule when no server rule matches', () => {
    const rules = [
      rule({ pool: 30, server: true, to: ['other.test'] }),
      rule({ pool: 31, from: ['acme.test'] }),
    ];
    assert.equal(choosePool(rules, message(['x@acme.test'], 'a@example.com')), 31);
  });

  it('breaks a tie of creation times by the later rule', () => {
    const first = rule({ pool: 40, to: ['example.com'], at: 1000 });
    const second = rule({ pool: 41, to: ['example.com'], at: 1000 });
    assert.equal(choosePool([first, second], message([], 'a@example.com')), 41);
  });

  it('ignores addresses without a domain', () => {
    assert.equal(choosePool([rule({ pool: 1, to: ['example.com'] })], message(['nobody'], '')), null);
  });
});
