import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthThrottle } from '../../smtp-edge/auth-throttle.ts';
import { ManualClock } from '../fakes/manual-clock.ts';

const MINUTE = 60_000;

void describe('AuthThrottle', () => {
  void it('blocks a key after five failures within fifteen minutes, until the window passes', () => {
    const clock = new ManualClock();
    const throttle = new AuthThrottle({ clock });
    const key = AuthThrottle.key('192.0.2.7');
    for (let n = 0; n < 4; n += 1) {
      throttle.recordFailure(key);
      clock.advance(MINUTE);
    }
    assert.equal(throttle.isBlocked(key), false);
    throttle.recordFailure(key);
    assert.equal(throttle.isBlocked(key), true);
    clock.advance(11 * MINUTE); // the first failure is now 15 minutes old
    assert.equal(throttle.isBlocked(key), false);
  });

  void it('counts per address only: failures elsewhere never block an address', () => {
    const throttle = new AuthThrottle({ clock: new ManualClock(), maxFailures: 2 });
    // Whatever username the failures came with: it is not part of the key, so a stranger cannot
    // lock out the clients that share a well-known one.
    throttle.recordFailure(AuthThrottle.key('192.0.2.7'));
    throttle.recordFailure(AuthThrottle.key('192.0.2.8'));
    assert.equal(throttle.isBlocked(AuthThrottle.key('192.0.2.9')), false);
    assert.equal(throttle.isBlocked(AuthThrottle.key('192.0.2.7')), false, 'one failure so far');
    throttle.recordFailure(AuthThrottle.key('192.0.2.7'));
    assert.equal(throttle.isBlocked(AuthThrottle.key('192.0.2.7')), true);
  });

  void it('treats an IPv6 /64 as one address, and a v4-mapped address as the IPv4 one', () => {
    assert.equal(AuthThrottle.key('2001:db8:1:2:aaaa::1'), 'ip:2001:db8:1:2::/64');
    assert.equal(AuthThrottle.key('2001:0db8:1:2::ffff'), 'ip:2001:db8:1:2::/64');
    assert.equal(AuthThrottle.key('::ffff:192.0.2.7'), 'ip:192.0.2.7');
  });

  void it('forgets the oldest keys beyond its capacity', () => {
    const throttle = new AuthThrottle({ clock: new ManualClock(), maxFailures: 1, maxKeys: 2 });
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) throttle.recordFailure(AuthThrottle.key(ip));
    assert.equal(throttle.isBlocked(AuthThrottle.key('192.0.2.1')), false);
    assert.equal(throttle.isBlocked(AuthThrottle.key('192.0.2.3')), true);
  });

  void it('refuses nonsensical limits', () => {
    assert.throws(() => new AuthThrottle({ clock: new ManualClock(), maxFailures: 0 }), RangeError);
  });
});
