// Ceiling: a raw node:http server answering the sentence from memory.
import { createServer } from 'node:http';

const body = Buffer.from('Hi there! The secret is foobar.\n');
createServer((_req, res) => {
  res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
  });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
