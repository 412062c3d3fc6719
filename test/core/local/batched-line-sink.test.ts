import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BatchedLineSink } from '../../../core/local/batched-line-sink.ts';

function target() {
  const writes: string[] = [];
  return { writes, sink: new BatchedLineSink({ write: (text: string) => writes.push(text) }) };
}

void describe('BatchedLineSink', () => {
  void it('writes the lines of one turn in a single write, in order, at the end of the turn', async () => {
    const { writes, sink } = target();
    sink.write('one\n');
    sink.write('two\n');
    sink.write('three\n');
    assert.deepEqual(writes, []);
    await nextTurn();
    assert.deepEqual(writes, ['one\ntwo\nthree\n']);
    sink.write('four\n');
    await nextTurn();
    assert.deepEqual(writes, ['one\ntwo\nthree\n', 'four\n']);
  });

  void it('writes at once when a turn has logged 64 KB', () => {
    const { writes, sink } = target();
    const line = `${'x'.repeat(1023)}\n`;
    for (let n = 0; n < 63; n += 1) sink.write(line);
    assert.equal(writes.length, 0);
    sink.write(line);
    assert.equal(writes.length, 1);
    assert.equal(writes[0], line.repeat(64));
  });

  void it('flush() writes what is pending, and only once', async () => {
    const { writes, sink } = target();
    sink.flush();
    assert.deepEqual(writes, []);
    sink.write('pending\n');
    sink.flush();
    assert.deepEqual(writes, ['pending\n']);
    await nextTurn();
    assert.deepEqual(writes, ['pending\n']);
  });

  void it('loses no line when the process ends on an uncaught error, flushed from the exit listener', () => {
    const module = join(import.meta.dirname, '../../../core/local/batched-line-sink.ts');
    const script = `
      import { BatchedLineSink } from ${JSON.stringify(module)};
      const lines = new BatchedLineSink(process.stdout);
      process.on('exit', () => lines.flush());
      lines.write('before the error\\n');
      throw new Error('boom');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '--eval', script], {
      encoding: 'utf8',
    });
    assert.notEqual(child.status, 0);
    assert.equal(child.stdout, 'before the error\n');
  });
});
