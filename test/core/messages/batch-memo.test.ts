import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BatchMemo } from '../../../core/messages/batch-memo.ts';

void describe('BatchMemo', () => {
  void it('reads each key once, sharing a read already on its way', async () => {
    const memo = new BatchMemo();
    let reads = 0;
    const read = async () => ({ id: ++reads });
    const [a, b] = await Promise.all([memo.get('server:1', read), memo.get('server:1', read)]);
    assert.equal(a, b);
    assert.deepEqual(await memo.get('server:1', read), { id: 1 });
    assert.deepEqual(await memo.get('server:2', read), { id: 2 });
    assert.equal(reads, 2);
  });

  void it('keeps no failed read', async () => {
    const memo = new BatchMemo();
    await assert.rejects(
      memo.get('server:1', () => Promise.reject(new Error('database down'))),
      /database down/,
    );
    assert.equal(await memo.get('server:1', async () => 'read again'), 'read again');
  });
});
