/**
 * Reusable Buffers of one size. Raw output hands slices of read buffers to the sink without
 * copying, so a buffer comes back only once the batch holding it was delivered. Reusing them
 * keeps memory flat: fresh 512 KiB buffers per read pile up as external memory that V8
 * collects late, which alone doubled peak RSS in the benchmark.
 */
export class BufferPool {
    size;
    keep;
    free = [];
    constructor(size, keep) {
        this.size = size;
        this.keep = keep;
    }
    /** A buffer of at least `length` bytes (pooled when `length` fits the pool's size). */
    acquire(length) {
        if (length > this.size)
            return Buffer.allocUnsafe(length);
        return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
    }
    release(buffers) {
        for (const buffer of buffers) {
            if (buffer.length === this.size && this.free.length < this.keep)
                this.free.push(buffer);
        }
    }
}
//# sourceMappingURL=buffer-pool.js.map