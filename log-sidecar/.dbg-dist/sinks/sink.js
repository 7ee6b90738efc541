export class SinkAbortedError extends Error {
    records;
    constructor(records) {
        super(`delivery of ${records} records was aborted`);
        this.records = records;
        this.name = 'SinkAbortedError';
    }
}
//# sourceMappingURL=sink.js.map