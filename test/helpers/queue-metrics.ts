/** Message counts of one queue by state (visible, inFlight, delayed), as /metrics reports them. */
export type QueueStates = Record<string, number>;

/** Reads the queue gauges of a running platform's /metrics, by queue and state. */
export async function queueDepths(httpUrl: string): Promise<Record<string, QueueStates>> {
  // A fresh connection each time, so a poll never rides a socket the platform is closing.
  const text = await (await fetch(`${httpUrl}/metrics`, { headers: { connection: 'close' } })).text();
  const depths: Record<string, QueueStates> = {};
  for (const [, queue = '', state = '', count] of text.matchAll(
    /^postern_queue_messages\{queue="([^"]+)",state="([^"]+)"\} (\d+)$/gm,
  )) {
    (depths[queue] ??= {})[state] = Number(count);
  }
  return depths;
}

/** All messages of a queue, whatever their state. */
export const total = (states: QueueStates | undefined): number =>
  Object.values(states ?? {}).reduce((sum, count) => sum + count, 0);
