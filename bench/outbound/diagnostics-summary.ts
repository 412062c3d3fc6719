import type { Diagnostics, TimedCalls } from './diagnostics-preload.ts';

// What --diagnose found in one platform's load window, per message accepted in it (a `put raw/`
// is one accepted message). Pipeline work (ingest, process, delivery) done in the window is
// divided by the same count, so where the pipeline lags behind the accept step these figures
// are lower than a message's full cost.

export function summarizeDiagnostics(label: string, diagnostics: Diagnostics, top = 12): string {
  const accepted = diagnostics.blobs['put raw/']?.calls ?? 0;
  if (accepted === 0) return `  ${label}: no message accepted in the window`;
  const per = (value: number) => (value / accepted).toFixed(2);
  const sum = (entries: TimedCalls[]) =>
    entries.reduce((total, entry) => ({ calls: total.calls + entry.calls, ms: total.ms + entry.ms }), {
      calls: 0,
      ms: 0,
    });
  const statements = Object.entries(diagnostics.sql);
  const all = sum(statements.map(([, entry]) => entry));
  const commits = sum(statements.filter(([text]) => /^commit\b/i.test(text)).map(([, entry]) => entry));
  const stallCount = sum(Object.values(diagnostics.stalls));
  const lines = [
    `  ${label}: ${accepted.toLocaleString('en-US')} messages accepted in the window; event loop delay` +
      ` p50 ${diagnostics.loopDelay.p50.toFixed(1)} ms, p99 ${diagnostics.loopDelay.p99.toFixed(1)} ms,` +
      ` max ${diagnostics.loopDelay.max.toFixed(0)} ms`,
    `    per accepted message: ${per(all.calls)} SQL statements holding the event loop ${per(all.ms)} ms` +
      ` (of which ${per(commits.calls)} commits, ${per(commits.ms)} ms)`,
    '    blob store calls per accepted message (wall time each, fsyncs included):',
    ...Object.entries(diagnostics.blobs)
      .sort((a, b) => b[1].calls - a[1].calls)
      .map(
        ([name, entry]) =>
          `      ${per(entry.calls).padStart(6)} × ${name.padEnd(18)} ${(entry.ms / entry.calls).toFixed(2)} ms each`,
      ),
    '    queues during the window: sent, completed (deleted after success), mean wait before the first',
    '    receive (or since the last), mean time from receive to delete:',
    ...Object.entries(diagnostics.queues)
      .filter(([, entry]) => entry.sent + entry.completed > 0)
      .map(
        ([queue, entry]) =>
          `      ${queue.padEnd(16)} sent ${String(entry.sent).padStart(6)}  completed ${String(entry.completed).padStart(6)}` +
          `  wait ${(entry.completed ? entry.waitMs / entry.completed : 0).toFixed(0).padStart(6)} ms` +
          `  in hand ${(entry.completed ? entry.handleMs / entry.completed : 0).toFixed(0).padStart(6)} ms`,
      ),
    `    SQL calls that held the event loop ${diagnostics.stallMs} ms or longer: ${stallCount.calls} in` +
      ` ${(diagnostics.windowMs / 1000).toFixed(1)} s, ${stallCount.ms.toFixed(0)} ms in all` +
      ` (${((100 * stallCount.ms) / diagnostics.windowMs).toFixed(1)} % of the window)`,
    `    garbage collection: ${
      Object.entries(diagnostics.gc)
        .map(
          ([kind, pauses]) =>
            `${kind} ${pauses.calls} × ${(pauses.ms / pauses.calls).toFixed(1)} ms (longest ${pauses.maxMs.toFixed(1)})`,
        )
        .join(', ') || 'none'
    }`,
    ...Object.entries(diagnostics.stalls)
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 4)
      .map(
        ([text, entry]) =>
          `      ${String(entry.calls).padStart(6)} × ${(entry.ms / entry.calls).toFixed(1).padStart(6)} ms  ${text}`,
      ),
    '    SQL statements by time holding the event loop (per accepted message: calls, ms; ms per call):',
    ...statements
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top)
      .map(
        ([text, entry]) =>
          `      ${per(entry.calls).padStart(6)} × ${per(entry.ms).padStart(6)} ms  ${(entry.ms / entry.calls).toFixed(3)} ms  ${text}`,
      ),
  ];
  return lines.join('\n');
}
