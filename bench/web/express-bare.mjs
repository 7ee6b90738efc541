// Baseline: a bare Express 5 app answering the sentence from memory, without logging.
import express from 'express';

const body = 'Hi there! The secret is foobar.\n';
const app = express();
app.disable('x-powered-by');
app.get('/', (_req, res) => {
  res.type('text/plain').send(body);
});
app.listen(Number(process.env.PORT), '127.0.0.1');
