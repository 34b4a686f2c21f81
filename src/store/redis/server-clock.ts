/**
 * This process's estimate of the Redis server's clock, for timestamps written by a plain
 * command (a fast-path `addMessage`), which cannot call `TIME`. Each script reply that carries
 * the server's time is a sample: the server read its clock between the request's send and the
 * reply's arrival, so `offset = serverMs - (sent + received) / 2` is off by at most half that
 * round trip. The sample with the shortest round trip in the last minute is kept.
 */

/** How long a sample is preferred to a later one with a longer round trip, ms. */
const SAMPLE_MS = 60_000;

export class ServerClock {
  private offset: number | undefined;
  private rtt = Number.POSITIVE_INFINITY;
  private takenAt = 0;
  private last = 0;

  /** Records a server time `serverMs` read while a request sent at `sent` (Date.now()) was out. */
  sample(serverMs: number, sent: number, received = Date.now()): void {
    const rtt = received - sent;
    if (!Number.isFinite(serverMs) || rtt < 0) return;
    if (this.offset !== undefined && rtt > this.rtt && received - this.takenAt < SAMPLE_MS) return;
    this.offset = serverMs - (sent + received) / 2;
    this.rtt = rtt;
    this.takenAt = received;
    if (serverMs > this.last) this.last = serverMs;
  }

  /**
   * The server's time now, ms (an integer, never less than any time this clock returned or
   * sampled), or undefined before the first sample.
   */
  now(): number | undefined {
    if (this.offset === undefined) return undefined;
    const estimate = Math.round(Date.now() + this.offset);
    if (estimate > this.last) this.last = estimate;
    return this.last;
  }
}
