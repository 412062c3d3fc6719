import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Ids } from '../../../core/ports.ts';

// What every Ids adapter must do, whatever stands behind its message ids. Run by each adapter's
// test file with a factory that sets up one backing store as new (a freshly migrated database,
// or one whose id sequence is started again) and can open as many instances over it as the
// contract asks, each as a separate process would hold one: its own connections, its own block.

export type IdsFactory = () => Promise<{
  /** A new instance over the factory's backing store. */
  instance(): Promise<Ids>;
  cleanup(): Promise<void>;
}>;

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** RFC 9562 section 4: 8-4-4-4-12 lower-case hex digits, a version digit and the 10xx variant. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The largest id a client declaring message ids as 32-bit signed integers can hold. */
const INT32_MAX = 2 ** 31 - 1;

function assertMessageIds(ids: readonly number[]): void {
  const bad = ids.filter((id) => !Number.isSafeInteger(id) || id <= 0);
  assert.deepEqual(bad, [], 'message ids are positive safe integers');
  assert.equal(new Set(ids).size, ids.length, 'no id was handed out twice');
}

export function idsContract(label: string, make: IdsFactory): void {
  void describe(`${label}: Ids contract`, () => {
    let instance: () => Promise<Ids>;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ instance, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    void it('makes uuids in the canonical form, all different, across instances too', async () => {
      const [left, right] = [await instance(), await instance()];
      const uuids = Array.from({ length: 5000 }, (_, index) => (index % 2 ? left : right).uuid());
      assert.deepEqual(
        uuids.filter((uuid) => !UUID.test(uuid)),
        [],
      );
      assert.equal(new Set(uuids).size, uuids.length);
    });

    void it('makes tokens of the length asked, from [A-Za-z0-9] or, with lower, [a-z0-9]', async () => {
      const ids = await instance();
      for (const length of [0, 1, 2, 24, 32, 64, 1000]) {
        assert.match(ids.token(length), new RegExp(`^[A-Za-z0-9]{${length}}$`), `length ${length}`);
        assert.match(
          ids.token(length, { lower: true }),
          new RegExp(`^[a-z0-9]{${length}}$`),
          `lower ${length}`,
        );
        assert.match(ids.token(length, { lower: false }), new RegExp(`^[A-Za-z0-9]{${length}}$`));
      }
    });

    void it('draws every character of the alphabet, each about equally often', async () => {
      const ids = await instance();
      for (const [alphabet, lower] of [
        [UPPER, false],
        [LOWER, true],
      ] as const) {
        // 200,000 characters: about 3,200 (or 5,600) of each, so ±10% is over five standard
        // deviations; a modulo bias (256 % 62 = 8 characters a quarter more likely) is not.
        const sample = ids.token(200_000, { lower });
        const counts = new Map<string, number>();
        for (const char of sample) counts.set(char, (counts.get(char) ?? 0) + 1);
        assert.deepEqual([...counts.keys()].sort(), [...alphabet].sort(), 'every character turns up');
        const mean = sample.length / alphabet.length;
        const skewed = [...counts].filter(([, count]) => Math.abs(count - mean) > mean * 0.1);
        assert.deepEqual(skewed, [], `each character about ${Math.round(mean)} times (lower: ${lower})`);
      }
    });

    void it('makes tokens that differ, across instances too', async () => {
      const [left, right] = [await instance(), await instance()];
      const tokens = Array.from({ length: 2000 }, (_, index) => (index % 2 ? left : right).token(24));
      tokens.push(
        ...Array.from({ length: 2000 }, (_, index) => (index % 2 ? left : right).token(24, { lower: true })),
      );
      assert.equal(new Set(tokens).size, tokens.length);
    });

    void it('refuses a token length that is negative or not an integer', async () => {
      const ids = await instance();
      for (const length of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(() => ids.token(length), RangeError, String(length));
      }
    });

    void it('hands out positive integer message ids, small enough for 32-bit clients in a new store', async () => {
      const ids = await instance();
      const handed = [];
      for (let count = 0; count < 100; count++) handed.push(await ids.messageId());
      assertMessageIds(handed);
      assert.ok(Math.max(...handed) <= INT32_MAX, `largest id ${Math.max(...handed)}`);
    });

    void it('hands out unique message ids to concurrent callers of several instances over one store', async () => {
      const instances = [await instance(), await instance(), await instance()];
      const total = 3000;
      const handed = await Promise.all(
        Array.from({ length: total }, (_, index) => (instances[index % instances.length] as Ids).messageId()),
      );
      assert.equal(handed.length, total);
      assertMessageIds(handed);
    });

    void it('never hands out an id again, to an instance opened later over the same store', async () => {
      // The first instance stops part way through what it leased, as a process would on a crash
      // or a deploy; those that follow take over the store.
      const first = await instance();
      const handed: number[] = [];
      for (let count = 0; count < 25; count++) handed.push(await first.messageId());
      const second = await instance();
      for (let count = 0; count < 25; count++) {
        handed.push(await second.messageId());
        handed.push(await first.messageId());
      }
      const third = await instance();
      handed.push(...(await Promise.all(Array.from({ length: 200 }, () => third.messageId()))));
      assertMessageIds(handed);
    });
  });
}
