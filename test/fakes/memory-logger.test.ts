import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loggerContract } from '../core/ports/logger.contract.ts';
import { MemoryLogger } from './memory-logger.ts';

loggerContract('MemoryLogger', async () => {
  const logger = new MemoryLogger();
  return {
    logger,
    entries: () => logger.entries.map((entry) => ({ ...entry })),
    text: () => JSON.stringify(logger.entries),
  };
});

void describe('MemoryLogger beyond the contract', () => {
  void it('finds entries, its children’s included, with has()', () => {
    const logger = new MemoryLogger();
    logger.child({ sessionId: 's1' }).info('AUTH accepted', { user: 'alice', pass: 'hunter2' });
    assert.ok(logger.has('info', 'AUTH accepted'));
    assert.ok(logger.has('info', /^AUTH/, { sessionId: 's1', pass: '[redacted]' }));
    assert.ok(!logger.has('warn', 'AUTH accepted'), 'another level');
    assert.ok(!logger.has('info', 'AUTH refused'), 'another message');
    assert.ok(!logger.has('info', 'AUTH accepted', { pass: 'hunter2' }), 'the secret never reached the log');
    assert.ok(!logger.has('info', 'AUTH accepted', { missing: undefined }), 'a field not logged');
  });
});
