/** Listens on host:port; rejects with the listen error (EADDRINUSE, EACCES) carrying both. */
export function listen(server, host, port) {
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            const address = server.address();
            resolve({
                port: typeof address === 'object' && address ? address.port : port,
                close: () => closeServer(server),
            });
        });
    });
}
function closeServer(server) {
    return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
    });
}
//# sourceMappingURL=listening-server.js.map