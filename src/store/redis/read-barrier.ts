/**
 * Call order behind plain reads (docs/architecture.md, "Call order"). A plain read that finds
 * a value of another kind is answered by a function sent after its reply; so while a plain read
 * of a conversation is in flight, every call on that conversation made meanwhile waits for it,
 * and is sent, in call order, once the read has settled or sent its function. Entries live only
 * while a plain read is in flight; without one, a check costs one `Map` size read.
 */
export class ReadBarrier {
  /** Plain reads in flight, by conversation (meta key), with the calls waiting for each. */
  private readonly inFlight = new Map<string, Array<() => void> | undefined>();

  /** Whether a plain read of the conversation `meta` is in flight. */
  holds(meta: string): boolean {
    return this.inFlight.size !== 0 && this.inFlight.has(meta);
  }

  /** A plain read of `meta` is being sent: later calls on it wait until {@link release}. */
  enter(meta: string): void {
    this.inFlight.set(meta, undefined);
  }

  /** Runs `task` (which sends a call) once the plain read in flight on `meta` is released. */
  behind<T>(meta: string, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let waiting = this.inFlight.get(meta);
      if (waiting === undefined) {
        waiting = [];
        this.inFlight.set(meta, waiting);
      }
      waiting.push(() => {
        task().then(resolve, reject);
      });
    });
  }

  /** The plain read on `meta` has settled (or sent its function): sends the waiting calls, in order. */
  release(meta: string): void {
    const waiting = this.inFlight.get(meta);
    this.inFlight.delete(meta);
    if (waiting !== undefined) for (const send of waiting) send();
  }
}
