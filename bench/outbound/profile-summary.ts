import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where the platform's main thread spent its time, from a V8 .cpuprofile (`node --cpu-prof`):
// the busiest functions by self time, and the project files and packages by inclusive time
// (a sample counts once for every file on its stack). Time spent off the main thread (fsync in
// libuv's pool, TLS in OpenSSL's) does not show here; a synchronous call (node:sqlite) does, in
// the JavaScript frame that made it.
//
// Run alone: node bench/outbound/profile-summary.ts <file.cpuprofile> [top]

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock that process.hrtime reads (the same in every process). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of time in microseconds of process.hrtime.bigint(), as `monotonicMicros()` gives. */
export interface ProfileWindow {
  start: number;
  end: number;
}

export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const ROOT = resolve(import.meta.dirname, '..', '..');
const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** A file as the project names it: `core/x.ts`, `node_modules/<pkg>`, `node:<module>`, or `(native)`. */
function placeOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:'))
    return url
      .replace(/^node:internal\//, 'node:')
      .split('/')
      .slice(0, 2)
      .join('/');
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const local = relative(ROOT, path);
  const modules = local.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const parts = local.slice(modules + 'node_modules/'.length).split('/');
    return `npm:${parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  return local;
}

/**
 * The summary of one profile; with `window`, only the samples taken inside it (the measured load,
 * without start-up and shutdown).
 */
export function summarizeProfile(
  path: string,
  options: { top?: number; window?: ProfileWindow } = {},
): string {
  const top = options.top ?? 15;
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const ours = new Map<string, number>();
  const special = new Map<string, number>();
  let busy = 0;
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    if (options.window && (at < options.window.start || at > options.window.end)) return;
    const weight = (profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0) / 1000;
    total += weight;
    const node = byId.get(id);
    if (!node) return;
    const name = node.callFrame.functionName || '(anonymous)';
    if (SPECIAL.has(name)) {
      special.set(name, (special.get(name) ?? 0) + weight);
      if (name !== '(idle)') busy += weight;
      return;
    }
    busy += weight;
    // A native frame (no url) is named with the place of the JavaScript frame that called it.
    let caller: ProfileNode | undefined = node;
    while (caller && !caller.callFrame.url) caller = byId.get(parent.get(caller.id) ?? -1);
    const where = node.callFrame.url
      ? `${placeOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`
      : `native, called from ${caller ? `${placeOf(caller.callFrame.url)}:${caller.callFrame.lineNumber + 1}` : '?'}`;
    const key = `${name}  ${where}`;
    self.set(key, (self.get(key) ?? 0) + weight);
    const places = new Set<string>();
    const functions = new Set<string>();
    for (let frame: ProfileNode | undefined = node; frame; frame = byId.get(parent.get(frame.id) ?? -1)) {
      if (!frame.callFrame.url) continue;
      const place = placeOf(frame.callFrame.url);
      places.add(place);
      if (/^(core|smtp-edge|lambdas|bin)\//.test(place)) {
        functions.add(
          `${frame.callFrame.functionName || '(anonymous)'}  ${place}:${frame.callFrame.lineNumber + 1}`,
        );
      }
    }
    for (const place of places) inclusive.set(place, (inclusive.get(place) ?? 0) + weight);
    for (const fn of functions) ours.set(fn, (ours.get(fn) ?? 0) + weight);
  });

  const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1).padStart(5)}%`;
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ms]) => `    ${pct(ms)}  ${String(Math.round(ms)).padStart(6)} ms  ${key}`);
  const idle = special.get('(idle)') ?? 0;
  return [
    `  ${path}${options.window ? ' (samples during the load only)' : ''}`,
    `  main thread busy ${Math.round(busy)} ms of ${Math.round(total)} ms sampled (idle ${Math.round(idle)} ms);` +
      ` GC ${pct(special.get('(garbage collector)') ?? 0).trim()}, (program) ${pct(special.get('(program)') ?? 0).trim()} of busy`,
    '  self time, busiest functions (% of busy):',
    ...rows(self),
    '  inclusive time by file or package (% of busy; a sample counts for every file on its stack):',
    ...rows(inclusive),
    '  inclusive time by project function (% of busy):',
    ...rows(ours),
  ].join('\n');
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/outbound/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summarizeProfile(file, { top: Number(top ?? 15) }));
}
