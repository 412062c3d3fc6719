import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonLogger } from '../../../core/local/json-logger.ts';
import { ManualClock } from '../../fakes/manual-clock.ts';
import { loggerContract, type WrittenEntry } from '../ports/logger.contract.ts';

function capture() {
  const lines: string[] = [];
  return {
    lines,
    stream: { write: (line: string) => lines.push(line) },
    entries: () => lines.map((line) => JSON.parse(line)),
  };
}

loggerContract('JsonLogger', async () => {
  const { lines, stream, entries } = capture();
  return {
    logger: new JsonLogger({ stream, level: 'debug' }),
    entries: () =>
      entries().map(({ time: _time, level, msg, ...fields }): WrittenEntry => ({
        level,
        message: msg,
        fields,
      })),
    text: () => lines.join(''),
  };
});

void describe('JsonLogger beyond the contract', () => {
  void it('writes one JSON line per entry: time from its clock, level, msg, tags, then fields', () => {
    const { lines, stream, entries } = capture();
    const logger = new JsonLogger({ stream, clock: new ManualClock(Date.UTC(2026, 10, 25, 12)) });
    logger.child({ sessionId: 's1' }).info('AUTH accepted', { user: 'alice' });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]?.endsWith('}\n'));
    assert.deepEqual(Object.keys(entries()[0]), ['time', 'level', 'msg', 'sessionId', 'user']);
    assert.deepEqual(entries()[0], {
      time: '2026-11-25T12:00:00.000Z',
      level: 'info',
      msg: 'AUTH accepted',
      sessionId: 's1',
      user: 'alice',
    });
  });

  void it('drops entries below its level, info by default', () => {
    const { stream, entries } = capture();
    const logger = new JsonLogger({ stream, level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.child({ a: 1 }).info('child i');
    logger.warn('w');
    logger.error('e');
    new JsonLogger({ stream }).debug('default d');
    new JsonLogger({ stream }).child({ a: 1 }).info('default i');
    assert.deepEqual(
      entries().map((entry) => `${entry.level} ${entry.msg}`),
      ['warn w', 'error e', 'info default i'],
    );
  });

  void it('keeps its own keys when a field or tag reuses their names', () => {
    const { stream, entries } = capture();
    new JsonLogger({ stream, tags: { level: 'tag' } }).error('real', {
      level: 'debug',
      msg: 'fake',
      time: 'then',
    });
    const [entry] = entries();
    assert.equal(entry.level, 'error');
    assert.equal(entry.msg, 'real');
    assert.notEqual(entry.time, 'then');
  });

  void it('refuses an unknown level', () => {
    assert.throws(() => new JsonLogger({ level: 'verbose' as never }), RangeError);
  });
});
