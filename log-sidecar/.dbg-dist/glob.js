import { ConfigError } from '@sidecar-pod/common';
/**
 * Compiles a file-name glob (`*`, `?`, `[abc]`, `[!abc]`) into an anchored RegExp.
 * Globs match base names inside LOG_DIR only, so a `/` is refused rather than ignored.
 */
export function globToRegExp(glob, variable = 'LOG_GLOB') {
    if (glob.includes('/')) {
        throw new ConfigError(variable, `matches names inside LOG_DIR only, got ${JSON.stringify(glob)}`);
    }
    let source = '';
    for (let i = 0; i < glob.length; i++) {
        const char = glob[i];
        if (char === '*')
            source += '[^/]*';
        else if (char === '?')
            source += '[^/]';
        else if (char === '[') {
            const close = glob.indexOf(']', i + 2);
            if (close === -1) {
                throw new ConfigError(variable, `has an unclosed "[" in ${JSON.stringify(glob)}`);
            }
            let set = glob.slice(i + 1, close);
            if (set.startsWith('!'))
                set = `^${set.slice(1)}`;
            source += `[${set.replace(/\\/g, '\\\\')}]`;
            i = close;
        }
        else
            source += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
    return new RegExp(`^${source}$`);
}
//# sourceMappingURL=glob.js.map