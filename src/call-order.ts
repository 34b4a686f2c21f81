/**
 * Call order on one conversation within one manager.
 *
 * The contract: calls on one conversation that one manager issues without awaiting take effect
 * in call order, whichever way each is executed. Every store operation is one atomic step sent
 * on the moment it is called, and a store keeps the order in which it was sent (one Redis
 * connection per node, and a conversation lives on one node), so plain calls need nothing
 * here. `modify` and `remove` are the exception: they read, then write conditionally, so they
 * take effect when their write lands — and every call issued after one of them must wait for
 * it. {@link CallOrder} holds, per conversation, a gate for such a call while it runs; a call
 * issued while a gate is up is issued once the gate falls, in call order. Without a gate (the
 * common case) a call costs one `Map` lookup and is sent at once.
 *
 * Entries live only while a gate is up, so the map stays as small as the number of
 * conversations with a `modify`/`remove` in flight.
 */

const noop = (): void => {};

/** Per-conversation gates of one manager. */
export class CallOrder {
  private readonly gates = new Map<string, Promise<void>>();

  /**
   * Runs `task` now, or — when an exclusive call on `conversation` is in flight — once it has
   * settled, after the calls issued before this one.
   */
  run<T>(conversation: string, task: () => Promise<T>): Promise<T> {
    const gate = this.gates.get(conversation);
    return gate === undefined ? task() : gate.then(task);
  }

  /**
   * Runs `task` (a `modify` or `remove`) in call order, and holds every call on `conversation`
   * issued after it until it has settled.
   */
  exclusive<T>(conversation: string, task: () => Promise<T>): Promise<T> {
    const previous = this.gates.get(conversation);
    const result = previous === undefined ? task() : previous.then(task);
    const gate = result.then(noop, noop);
    // Registered first, so it runs before the calls queued behind the gate are issued: a call
    // made after it sees no gate, and is issued after those (their jobs are already queued).
    void gate.then(() => {
      if (this.gates.get(conversation) === gate) this.gates.delete(conversation);
    });
    this.gates.set(conversation, gate);
    return result;
  }

  /** Conversations with a gate up (for tests). */
  get size(): number {
    return this.gates.size;
  }
}
