// Sends one email through EmailWorker from Node.js, and prints what became of it.
//
// Publishes a SendEmail command as plain JSON (persistent, publisher confirms, mandatory) to the work exchange, then
// waits on the status-event exchange for the outcome of that messageId.
// Environment: AMQP_URL (default amqp://guest:guest@localhost:5672), EMAIL_PREFIX (default "email"),
// EMAIL_TO, EMAIL_FROM, EMAIL_STREAM (default transactional: the stream whose suppression entries apply, lower-case
// a-z 0-9 . _ -), EMAIL_PRIORITY (default normal: the lane, high, normal or bulk; high and bulk go to the work exchange's
// name + ".high" / ".bulk"), EMAIL_SEND_AFTER seconds (unset: send now; else sendAt is that many seconds from now, 0 to
// 2592000 = the worker's default horizon of 30 days), OUTCOME_TIMEOUT seconds (default 60; longer than EMAIL_SEND_AFTER
// for a scheduled message). Exit code: 0 when delivered, 1 otherwise.
'use strict';

const amqp = require('amqplib');
const crypto = require('node:crypto');

// The message has one recipient, so a 'suppressed' event (the recipient is on the suppression list) is its end too.
const FINAL_OUTCOMES = new Set(['delivered', 'dead-lettered', 'rejected', 'expired', 'suppressed']);

async function main() {
  const prefix = process.env.EMAIL_PREFIX || 'email';
  const timeoutMs = Number(process.env.OUTCOME_TIMEOUT || '60') * 1000;
  const messageId = `node-${crypto.randomUUID().slice(0, 12)}`;
  // W3C trace context: the worker continues this trace (its spans carry the trace id when it exports traces). A service
  // with OpenTelemetry passes its current span's traceparent instead of a fresh one.
  const traceparent = process.env.TRACEPARENT
    || `00-${crypto.randomBytes(16).toString('hex')}-${crypto.randomBytes(8).toString('hex')}-01`;
  const command = {
    messageId,
    from: { address: process.env.EMAIL_FROM || 'shop@example.com', name: 'Node example' },
    to: [{ address: process.env.EMAIL_TO || 'ann@example.org' }],
    subject: 'Hello from Node.js',
    text: 'Sent with amqplib.',
    tags: { producer: 'node' },
    stream: process.env.EMAIL_STREAM || 'transactional',
    priority: process.env.EMAIL_PRIORITY || 'normal',
  };
  // The broker cannot route on a body field: the lane is the exchange published to (normal: the work exchange itself).
  if (!['high', 'normal', 'bulk'].includes(command.priority)) {
    console.error(`EMAIL_PRIORITY must be high, normal or bulk, not ${JSON.stringify(command.priority)}`);
    return 1;
  }
  const exchange = command.priority === 'normal' ? `${prefix}.send` : `${prefix}.send.${command.priority}`;
  const sendAfter = process.env.EMAIL_SEND_AFTER;
  if (sendAfter !== undefined) {
    if (!/^[0-9]{1,7}$/.test(sendAfter) || Number(sendAfter) > 2592000) {
      console.error('EMAIL_SEND_AFTER: give whole seconds from 0 to 2592000');
      return 2;
    }
    // sendAt: the worker holds the message until then and never sends it before.
    command.sendAt = new Date(Date.now() + Number(sendAfter) * 1000).toISOString();
  }

  const connection = await amqp.connect(process.env.AMQP_URL || 'amqp://guest:guest@localhost:5672');
  try {
    const channel = await connection.createConfirmChannel();
    // Subscribe before publishing, so the outcome cannot be missed.
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, `${prefix}.events`, 'email.#');
    const outcome = new Promise((resolve) => {
      channel.consume(queue, (delivery) => {
        const event = JSON.parse(delivery.content.toString('utf8'));
        if (event.messageId !== messageId) return;
        console.log(`${event.outcome}: ${JSON.stringify(event)}`);
        if (FINAL_OUTCOMES.has(event.outcome)) resolve(event.outcome);
      }, { noAck: true });
    });

    let returned = false;
    channel.on('return', () => { returned = true; });
    channel.publish(exchange, '', Buffer.from(JSON.stringify(command)),
      { contentType: 'application/json', persistent: true, messageId, mandatory: true, headers: { traceparent } });
    await channel.waitForConfirms();
    if (returned) {
      console.error(`not sent: no queue is bound to ${exchange}`);
      return 1;
    }
    console.log(`sent ${messageId}`);
    console.log(`trace ${traceparent.split('-')[1]}`);

    let timer;
    const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const result = await Promise.race([outcome, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') console.error(`no outcome for ${messageId} within ${timeoutMs / 1000} s`);
    return result === 'delivered' ? 0 : 1;
  } finally {
    await connection.close();
  }
}

main().then((code) => { process.exitCode = code; }, (error) => {
  console.error(`failed: ${error.message}`);
  process.exitCode = 1;
});
