export function isEntry(value) {
    if (typeof value !== 'object' || value === null)
        return false;
    const entry = value;
    const head = entry.head;
    return (typeof entry.key === 'string' &&
        typeof entry.path === 'string' &&
        Number.isSafeInteger(entry.offset) &&
        Number.isSafeInteger(entry.tailLength) &&
        typeof entry.tailHash === 'string' &&
        typeof head === 'object' &&
        head !== null &&
        Number.isSafeInteger(head.length) &&
        typeof head.hash === 'string');
}
//# sourceMappingURL=checkpoint-entry.js.map