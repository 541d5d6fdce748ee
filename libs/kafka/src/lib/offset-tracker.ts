type State = 'pending' | 'running' | 'done';

/**
 * In-order offset resolution for one partition whose records finish out of order. A record is
 * tracked from its start; when it is done, the tracker answers the highest offset N such that every
 * tracked record ≤ N is done: only N may be committed. A record that failed goes back to `pending`:
 * it still holds the commit back and may be started again when it is fetched again.
 */
export class OffsetTracker {
  private readonly states = new Map<string, State>();
  /** tracked offsets not yet resolved, ascending */
  private readonly order: bigint[] = [];
  private resolved: bigint | null = null;

  /** the last resolved offset of this partition, if any */
  get resolvedOffset(): string | null {
    return this.resolved === null ? null : this.resolved.toString();
  }

  /** records tracked and not yet resolved */
  get size(): number {
    return this.order.length;
  }

  /** Whether a fetched record should be started: unknown and after the resolved point, or pending again. */
  isStartable(offset: string): boolean {
    if (this.resolved !== null && BigInt(offset) <= this.resolved) return false;
    const state = this.states.get(offset);
    return state === undefined || state === 'pending';
  }

  start(offset: string): void {
    if (!this.states.has(offset)) this.insert(BigInt(offset));
    this.states.set(offset, 'running');
  }

  /** Marks a record failed: not done, startable again, still blocking what comes after it. */
  release(offset: string): void {
    if (this.states.get(offset) === 'running') this.states.set(offset, 'pending');
  }

  /** Marks a record done; returns the offset that became resolvable, or null when none moved. */
  complete(offset: string): string | null {
    if (!this.states.has(offset)) return null;
    this.states.set(offset, 'done');
    let advanced: bigint | null = null;
    while (this.order.length > 0 && this.states.get(this.order[0].toString()) === 'done') {
      const head = this.order.shift() as bigint;
      this.states.delete(head.toString());
      advanced = head;
    }
    if (advanced === null) return null;
    this.resolved = advanced;
    return advanced.toString();
  }

  private insert(offset: bigint): void {
    const last = this.order[this.order.length - 1];
    if (last === undefined || offset > last) {
      this.order.push(offset);
      return;
    }
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.order[mid] < offset) low = mid + 1;
      else high = mid;
    }
    this.order.splice(low, 0, offset);
  }
}
