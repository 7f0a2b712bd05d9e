// A minimal Flexport webhook receiver written the way Flexport's integration guides
// recommend: keep the raw body, verify the HMAC-SHA256 signature in constant time
// (crypto.timingSafeEqual), parse the JSON, deduplicate by event id in memory, answer
// 200. No durability: an event is lost if the process dies after the 200.
//
// Usage: PORT=0 SECRET=... node server.js   (prints "listening <port>" once bound)
'use strict';
const crypto = require('crypto');
const express = require('express');

const secret = process.env.SECRET || '';
const port = Number(process.env.PORT || 3000);
const seen = new Set();
const app = express();

function signatureValid(raw, header) {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = crypto.createHmac('sha256', secret).update(raw).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

app.post('/webhooks/flexport', express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
  const header = req.get('X-Hub-Signature-256') || req.get('X-Hub-Signature');
  if (!signatureValid(req.body, header)) return res.status(401).json({ error: 'bad signature' });
  let event;
  try {
    event = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    return res.status(400).json({ error: 'not JSON' });
  }
  const id = String(event.id);
  if (seen.has(id)) return res.status(200).json({ status: 'duplicate', id });
  seen.add(id);
  // A real integration would enqueue the event here and process it asynchronously.
  return res.status(200).json({ status: 'accepted', id });
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
