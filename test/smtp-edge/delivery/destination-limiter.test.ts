import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AimdLimits,
  DestinationLimiter,
  SlotWaitAborted,
  limiterDefaults,
} from '../../../smtp-edge/delivery/destination-limiter.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';

// The AIMD core is pure and driven by the Clock port; the waiting line is tested without sockets.

const KEY = 'domain:example.com';

function fill(limits: AimdLimits, key = KEY): number {
  let taken = 0;
  while (limits.tryAcquire(key)) taken += 1;
  return taken;
}

void describe('AimdLimits', () => {
  void it('starts each destination at the initial limit', () => {
    const limits = new AimdLimits(new ManualClock());
    assert.equal(limits.limit(KEY), limiterDefaults.initial);
    assert.equal(fill(limits), 10);
    assert.equal(limits.inFlight(KEY), 10);
    assert.equal(limits.tryAcquire(KEY), false);
    assert.equal(limits.tryAcquire('domain:other.example'), true, 'destinations are separate');
  });

  void it('halves on a rate-limit reply, and only once per cool-down', () => {
    const clock = new ManualClock();
    const limits = new AimdLimits(clock);
    fill(limits);
    limits.release(KEY, 'rate_limited');
    assert.equal(limits.limit(KEY), 5);
    // Replies to sends started before the halving do not halve again.
    limits.release(KEY, 'rate_limited');
    limits.release(KEY, 'rate_limited');
    assert.equal(limits.limit(KEY), 5);
    clock.advance(limiterDefaults.cooldownMs);
    limits.release(KEY, 'rate_limited');
    assert.equal(limits.limit(KEY), 2);
    clock.advance(limiterDefaults.cooldownMs);
    limits.release(KEY, 'rate_limited');
    clock.advance(limiterDefaults.cooldownMs);
    limits.release(KEY, 'rate_limited');
    assert.equal(limits.limit(KEY), 1, 'never below the minimum');
    assert.equal(limits.inFlight(KEY), 4);
  });

  void it('calls a destination throttled from a halving until it has grown back to its initial limit', () => {
    const clock = new ManualClock();
    const limits = new AimdLimits(clock, { initial: 2, max: 4 });
    assert.equal(limits.throttled(KEY), false);
    fill(limits);
    limits.release(KEY, 'rate_limited');
    assert.equal(limits.throttled(KEY), true);
    clock.advance(limiterDefaults.cooldownMs);
    limits.release(KEY, 'success');
    assert.equal(limits.limit(KEY), 2);
    assert.equal(limits.throttled(KEY), false);
  });

  void it('lets no more than the new limit run after a halving', () => {
    const limits = new AimdLimits(new ManualClock());
    fill(limits);
    limits.release(KEY, 'rate_limited');
    // 9 still in flight, limit 5: nothing new until fewer than 5 run.
    for (let index = 0; index < 4; index += 1) limits.release(KEY, 'neutral');
    assert.equal(limits.inFlight(KEY), 5);
    assert.equal(limits.tryAcquire(KEY), false);
    limits.release(KEY, 'neutral');
    assert.equal(limits.tryAcquire(KEY), true);
  });

  void it('grows by one for every `limit` successes once the cool-down is over', () => {
    const clock = new ManualClock();
    const limits = new AimdLimits(clock);
    fill(limits);
    limits.release(KEY, 'rate_limited');
    for (let index = 0; index < 9; index += 1) limits.release(KEY, 'neutral');
    assert.equal(limits.limit(KEY), 5);

    const succeed = (count: number) => {
      for (let index = 0; index < count; index += 1) {
        assert.equal(limits.tryAcquire(KEY), true);
        limits.release(KEY, 'success');
      }
    };
    // Keep one in flight so the destination is not forgotten between sends.
    assert.equal(limits.tryAcquire(KEY), true);
    succeed(20);
    assert.equal(limits.limit(KEY), 5, 'no growth during the cool-down');
    clock.advance(limiterDefaults.cooldownMs);
    succeed(4);
    assert.equal(limits.limit(KEY), 5);
    succeed(1);
    assert.equal(limits.limit(KEY), 6, 'five successes at limit 5');
    succeed(6);
    assert.equal(limits.limit(KEY), 7);
    succeed(7 + 8 + 9);
    assert.equal(limits.limit(KEY), 10);
    succeed(50);
    assert.equal(limits.limit(KEY), 10, 'never above the maximum');
  });

  void it('ignores neutral outcomes (other failures say nothing about rate)', () => {
    const limits = new AimdLimits(new ManualClock());
    fill(limits);
    for (let index = 0; index < 10; index += 1) limits.release(KEY, 'neutral');
    assert.equal(limits.limit(KEY), 10);
  });

  void it('forgets a quiet destination after forgetAfterMs and starts it afresh', () => {
    const clock = new ManualClock();
    const limits = new AimdLimits(clock);
    assert.equal(limits.tryAcquire(KEY), true);
    limits.release(KEY, 'rate_limited');
    assert.equal(limits.limit(KEY), 5);
    clock.advance(limiterDefaults.forgetAfterMs - 1);
    assert.equal(limits.limit(KEY), 5);
    clock.advance(1);
    assert.equal(limits.limit(KEY), 10);
  });

  void it('refuses to release a slot that was never taken', () => {
    const limits = new AimdLimits(new ManualClock());
    assert.throws(() => limits.release(KEY, 'success'), /no slot/);
  });

  void it('validates its settings strictly', () => {
    assert.throws(() => new AimdLimits(new ManualClock(), { initial: 20 }), /min <= initial <= max/);
    assert.throws(() => new AimdLimits(new ManualClock(), { cooldownMs: -1 }));
    assert.equal(new AimdLimits(new ManualClock(), { initial: 2, max: 4 }).limit(KEY), 2);
  });
});

void describe('DestinationLimiter', () => {
  void it('hands out slots at once while under the limit, then in arrival order', async () => {
    const limiter = new DestinationLimiter({ clock: new ManualClock(), settings: { initial: 2, max: 2 } });
    const first = await limiter.acquire(KEY);
    const second = await limiter.acquire(KEY);
    const order: string[] = [];
    const third = limiter.acquire(KEY).then((slot) => {
      order.push('third');
      return slot;
    });
    const fourth = limiter.acquire(KEY).then((slot) => {
      order.push('fourth');
      return slot;
    });
    await Promise.resolve();
    assert.equal(limiter.waiting(KEY), 2);
    first.release('success');
    (await third).release('success');
    second.release('success');
    (await fourth).release('success');
    assert.deepEqual(order, ['third', 'fourth']);
    assert.equal(limiter.waiting(KEY), 0);
    assert.equal(limiter.inFlight(KEY), 0);
  });

  void it('admits fewer after a rate-limit reply', async () => {
    const limiter = new DestinationLimiter({ clock: new ManualClock(), settings: { initial: 4, max: 4 } });
    const slots = await Promise.all([1, 2, 3, 4].map(() => limiter.acquire(KEY)));
    let admitted = 0;
    for (let index = 0; index < 3; index += 1) void limiter.acquire(KEY).then(() => (admitted += 1));
    slots[0]?.release('rate_limited');
    assert.equal(limiter.limit(KEY), 2);
    slots[1]?.release('neutral');
    await Promise.resolve();
    assert.equal(admitted, 0, 'two still in flight, limit two');
    slots[2]?.release('neutral');
    await Promise.resolve();
    assert.equal(admitted, 1);
  });

  void it('releases a slot only once', async () => {
    const limiter = new DestinationLimiter({ clock: new ManualClock() });
    const slot = await limiter.acquire(KEY);
    slot.release('success');
    slot.release('success');
    assert.equal(limiter.inFlight(KEY), 0);
  });

  void it('stops waiting when the signal aborts', async () => {
    const limiter = new DestinationLimiter({ clock: new ManualClock(), settings: { initial: 1, max: 1 } });
    const slot = await limiter.acquire(KEY);
    const controller = new AbortController();
    const waiting = limiter.acquire(KEY, controller.signal);
    assert.equal(limiter.waiting(KEY), 1);
    controller.abort();
    await assert.rejects(waiting, SlotWaitAborted);
    assert.equal(limiter.waiting(KEY), 0);
    slot.release('success');
    assert.equal(limiter.inFlight(KEY), 0, 'the aborted waiter took nothing');
    await assert.rejects(limiter.acquire(KEY, controller.signal), SlotWaitAborted);
  });
});
