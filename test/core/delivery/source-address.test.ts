import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickWeighted } from '../../../core/delivery/source-address.ts';

/** Hands out the given numbers in turn, as Math.random would hand out its own. */
const scripted = (...values: number[]) => {
  let next = 0;
  return () => values[next++ % values.length]!;
};

const address = (name: string, priority: number) => ({ name, priority });

describe('pickWeighted (an IP pool address, as Postal picks it)', () => {
  it('takes the highest of random × priority', () => {
    const addresses = [address('a', 100), address('b', 50)];
    assert.equal(pickWeighted(addresses, scripted(0.3, 0.9))?.name, 'b', '30 against 45');
    assert.equal(pickWeighted(addresses, scripted(0.5, 0.9))?.name, 'a', '50 against 45');
  });

  it('never takes an address of priority 0 while another has a priority', () => {
    const addresses = [address('off', 0), address('on', 1)];
    assert.equal(pickWeighted(addresses, scripted(0.999, 0.001))?.name, 'on');
    assert.equal(pickWeighted([address('x', 0), address('y', 0)], scripted(0.5))?.name, 'x');
  });

  it('takes none from an empty pool', () => {
    assert.equal(pickWeighted([], scripted(0.5)), undefined);
  });

  it('takes the higher of two three times in four when it has twice the priority', () => {
    // A fine grid of random pairs stands for Math.random's: the exact share is 1 − 50 / (2 × 100).
    const steps = 200;
    let higher = 0;
    for (let i = 0; i < steps; i += 1) {
      for (let j = 0; j < steps; j += 1) {
        const chosen = pickWeighted(
          [address('a', 100), address('b', 50)],
          scripted((i + 0.5) / steps, (j + 0.5) / steps),
        );
        if (chosen?.name === 'a') higher += 1;
      }
    }
    assert.ok(Math.abs(higher / steps ** 2 - 0.75) < 0.01, `${higher / steps ** 2}`);
  });
});
