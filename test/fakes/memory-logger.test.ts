import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLogger } from './memory-logger.ts';

void describe('MemoryLogger', () => {
  void it('keeps redacted entries from itself and its children, and finds them with has()', () => {
    const logger = new MemoryLogger();
    logger.child({ sessionId: 's1' }).info('AUTH accepted', { user: 'alice', pass: 'hunter2' });
    assert.equal(logger.entries.length, 1);
    assert.deepEqual(logger.entries[0], {
      level: 'info',
      message: 'AUTH accepted',
      fields: { sessionId: 's1', user: 'alice', pass: '[redacted]' },
    });
    assert.ok(logger.has('info', 'AUTH accepted'));
    assert.ok(logger.has('info', /^AUTH/, { sessionId: 's1', pass: '[redacted]' }));
    assert.ok(!logger.has('warn', 'AUTH accepted'), 'another level');
    assert.ok(!logger.has('info', 'AUTH refused'), 'another message');
    assert.ok(!logger.has('info', 'AUTH accepted', { pass: 'hunter2' }), 'the secret never reached the log');
    assert.ok(!logger.has('info', 'AUTH accepted', { missing: undefined }), 'a field not logged');
  });
});
