import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthThrottle } from '../../smtp-edge/auth-throttle.ts';
import { ManualClock } from '../fakes/manual-clock.ts';

const MINUTE = 60_000;

void describe('AuthThrottle', () => {
  void it('blocks a key after five failures within fifteen minutes, until the window passes', () => {
    const clock = new ManualClock();
    const throttle = new AuthThrottle({ clock });
    const keys = AuthThrottle.keys('192.0.2.7', 'user');
    for (let n = 0; n < 4; n += 1) {
      throttle.recordFailure(keys);
      clock.advance(MINUTE);
    }
    assert.equal(throttle.isBlocked(keys), false);
    throttle.recordFailure(keys);
    assert.equal(throttle.isBlocked(keys), true);
    clock.advance(11 * MINUTE); // the first failure is now 15 minutes old
    assert.equal(throttle.isBlocked(keys), false);
  });

  void it('counts per address and per username separately', () => {
    const throttle = new AuthThrottle({ clock: new ManualClock(), maxFailures: 2 });
    throttle.recordFailure(AuthThrottle.keys('192.0.2.7', 'alice'));
    throttle.recordFailure(AuthThrottle.keys('192.0.2.8', 'alice'));
    assert.equal(
      throttle.isBlocked(AuthThrottle.keys('192.0.2.9', 'alice')),
      true,
      'the username is blocked',
    );
    assert.equal(throttle.isBlocked(AuthThrottle.keys('192.0.2.7', 'bob')), false, 'one failure per address');
    throttle.recordFailure(AuthThrottle.keys('192.0.2.7', 'bob'));
    assert.equal(
      throttle.isBlocked(AuthThrottle.keys('192.0.2.7', undefined)),
      true,
      'the address is blocked',
    );
  });

  void it('treats usernames case-insensitively and an IPv6 /64 as one address', () => {
    assert.deepEqual(AuthThrottle.keys('2001:db8:1:2:aaaa::1', ' Alice '), [
      'ip:2001:db8:1:2::/64',
      'user:alice',
    ]);
    assert.deepEqual(AuthThrottle.keys('2001:0db8:1:2::ffff', ''), ['ip:2001:db8:1:2::/64']);
    assert.deepEqual(AuthThrottle.keys('::ffff:192.0.2.7', undefined), ['ip:192.0.2.7']);
  });

  void it('forgets the oldest keys beyond its capacity', () => {
    const throttle = new AuthThrottle({ clock: new ManualClock(), maxFailures: 1, maxKeys: 2 });
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3'])
      throttle.recordFailure(AuthThrottle.keys(ip, undefined));
    assert.equal(throttle.isBlocked(AuthThrottle.keys('192.0.2.1', undefined)), false);
    assert.equal(throttle.isBlocked(AuthThrottle.keys('192.0.2.3', undefined)), true);
  });

  void it('refuses nonsensical limits', () => {
    assert.throws(() => new AuthThrottle({ clock: new ManualClock(), maxFailures: 0 }), RangeError);
  });
});
