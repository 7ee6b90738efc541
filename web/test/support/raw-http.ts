import { once } from 'node:events';
import { connect } from 'node:net';

/**
 * Writes raw bytes to 127.0.0.1:port and collects everything the server sends until
 * it closes the connection or quietMs pass without data.
 */
export async function rawExchange(port: number, payload: string, quietMs = 300): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');

  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.write(payload);

  await new Promise<void>((resolve) => {
    let timer = setTimeout(resolve, quietMs);
    socket.on('data', () => {
      clearTimeout(timer);
      timer = setTimeout(resolve, quietMs);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  socket.destroy();
  return Buffer.concat(chunks).toString('latin1');
}
