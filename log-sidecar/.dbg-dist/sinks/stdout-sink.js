import { SinkAbortedError } from './sink.js';
export class StdoutClosedError extends Error {
    code;
    constructor(code) {
        super(`stdout cannot be written (${code ?? 'unknown error'})`);
        this.code = code;
        this.name = 'StdoutClosedError';
    }
}
/**
 * Writes batches to a stream (process.stdout). A batch counts as delivered when the stream
 * reports its last write done, that is handed to the kernel. write() returning false means
 * the reader (the container runtime, a pipe) is behind: ready() then waits for 'drain', so
 * at most one batch waits in memory beyond the stream's own buffer.
 */
export class StdoutSink {
    stream;
    last = Promise.resolve();
    failure;
    aborted = false;
    constructor(stream) {
        this.stream = stream;
        stream.on('error', (error) => {
            this.failure = new StdoutClosedError(error.code);
        });
    }
    ready() {
        if (this.failure)
            return Promise.reject(this.failure);
        if (!this.stream.writableNeedDrain)
            return Promise.resolve();
        return new Promise((resolve, reject) => {
            const onDrain = () => {
                this.stream.off('error', onError);
                resolve();
            };
            const onError = (error) => {
                this.stream.off('drain', onDrain);
                reject(new StdoutClosedError(error.code));
            };
            this.stream.once('drain', onDrain);
            this.stream.once('error', onError);
        });
    }
    send(batch) {
        if (this.failure)
            return Promise.reject(this.failure);
        if (this.aborted)
            return Promise.reject(new SinkAbortedError(batch.records));
        if (batch.parts.length === 0)
            return this.last.then(() => 'delivered');
        const written = new Promise((resolve, reject) => {
            const { parts } = batch;
            this.stream.cork();
            for (let i = 0; i < parts.length - 1; i++)
                this.stream.write(parts[i]);
            this.stream.write(parts[parts.length - 1], (error) => {
                if (error)
                    reject(new StdoutClosedError(error.code));
                else
                    resolve();
            });
            this.stream.uncork();
        });
        this.last = written;
        return written.then(() => 'delivered');
    }
    abort() {
        this.aborted = true;
    }
}
//# sourceMappingURL=stdout-sink.js.map