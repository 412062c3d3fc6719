import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonLogger } from '../../../core/local/json-logger.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';

function capture() {
  const lines: string[] = [];
  return {
    lines,
    stream: { write: (line: string) => lines.push(line) },
    entries: () => lines.map((line) => JSON.parse(line)),
  };
}

void describe('JsonLogger', () => {
  void it('writes one JSON line per entry: time, level, msg, tags, then redacted fields', () => {
    const { lines, stream, entries } = capture();
    const logger = new JsonLogger({ stream, clock: new ManualClock(Date.UTC(2026, 10, 25, 12)) });
    logger.child({ sessionId: 's1' }).info('AUTH accepted', { user: 'alice', password: 'hunter2' });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]?.endsWith('}\n'));
    assert.deepEqual(Object.keys(entries()[0]), ['time', 'level', 'msg', 'sessionId', 'user', 'password']);
    assert.deepEqual(entries()[0], {
      time: '2026-11-25T12:00:00.000Z',
      level: 'info',
      msg: 'AUTH accepted',
      sessionId: 's1',
      user: 'alice',
      password: '[redacted]',
    });
  });

  void it('drops entries below its level', () => {
    const { stream, entries } = capture();
    const logger = new JsonLogger({ stream, level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.child({ a: 1 }).info('child i');
    logger.warn('w');
    logger.error('e');
    assert.deepEqual(
      entries().map((entry) => entry.level),
      ['warn', 'error'],
    );
  });

  void it('merges tags down the child chain, and fields win over tags', () => {
    const { stream, entries } = capture();
    const logger = new JsonLogger({ stream, tags: { service: 'edge' } });
    logger.child({ sessionId: 's1' }).child({ messageId: 7 }).warn('slow', { messageId: 8 });
    logger.info('parent');
    const [child, parent] = entries();
    assert.deepEqual([child.service, child.sessionId, child.messageId], ['edge', 's1', 8]);
    assert.equal(parent.sessionId, undefined);
  });

  void it('keeps its own keys when a field reuses their names', () => {
    const { stream, entries } = capture();
    new JsonLogger({ stream }).error('real', { level: 'debug', msg: 'fake', time: 'then' });
    const [entry] = entries();
    assert.equal(entry.level, 'error');
    assert.equal(entry.msg, 'real');
    assert.notEqual(entry.time, 'then');
  });

  void it('refuses an unknown level', () => {
    assert.throws(() => new JsonLogger({ level: 'verbose' as never }), RangeError);
  });
});
