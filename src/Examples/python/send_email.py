#!/usr/bin/python3
"""Sends one email through EmailWorker from Python, and prints what became of it.

Publishes a SendEmail command as plain JSON (persistent, publisher confirms, mandatory) to the work exchange, then waits
on the status-event exchange for the outcome of that messageId. Needs pika (Debian: python3-pika).

Environment: AMQP_URL (default amqp://guest:guest@localhost:5672/%2F), EMAIL_PREFIX (default "email"),
EMAIL_TO (default ann@example.org), EMAIL_FROM (default shop@example.com), EMAIL_STREAM (default transactional: the
stream whose suppression entries apply, lower-case a-z 0-9 . _ -), EMAIL_PRIORITY (default normal: the lane, high,
normal or bulk; high and bulk go to the work exchange's name + ".high" / ".bulk"), EMAIL_SEND_AFTER seconds (unset:
send now; else sendAt is that many seconds from now, 0 to 2592000 = the worker's default horizon of 30 days),
OUTCOME_TIMEOUT seconds (default 60; a scheduled message needs it longer than EMAIL_SEND_AFTER).
Exit code: 0 when delivered, 1 for any other outcome or none within the timeout.
"""
import json
import os
import sys
import time
import uuid

import pika

# The message has one recipient, so a "suppressed" event (the recipient is on the suppression list) is its end too.
FINAL_OUTCOMES = {"delivered", "dead-lettered", "rejected", "expired", "suppressed"}


def main() -> int:
    prefix = os.environ.get("EMAIL_PREFIX", "email")
    parameters = pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F"))
    timeout = float(os.environ.get("OUTCOME_TIMEOUT", "60"))
    message_id = f"python-{uuid.uuid4().hex[:12]}"
    # W3C trace context: the worker continues this trace (its spans carry the trace id when it exports traces). A service
    # with OpenTelemetry passes its current span's traceparent instead of a fresh one.
    traceparent = os.environ.get("TRACEPARENT") or f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"
    command = {
        "messageId": message_id,
        "from": {"address": os.environ.get("EMAIL_FROM", "shop@example.com"), "name": "Python example"},
        "to": [{"address": os.environ.get("EMAIL_TO", "ann@example.org")}],
        "subject": "Hello from Python",
        "text": "Sent with pika.",
        "tags": {"producer": "python"},
        "stream": os.environ.get("EMAIL_STREAM", "transactional"),
        "priority": os.environ.get("EMAIL_PRIORITY", "normal"),
    }
    # The broker cannot route on a body field: the lane is the exchange published to (normal: the work exchange itself).
    if command["priority"] not in ("high", "normal", "bulk"):
        print(f"EMAIL_PRIORITY must be high, normal or bulk, not {command['priority']!r}", file=sys.stderr)
        return 1
    exchange = f"{prefix}.send" if command["priority"] == "normal" else f"{prefix}.send.{command['priority']}"
    send_after = os.environ.get("EMAIL_SEND_AFTER")
    if send_after is not None:
        if not send_after.isdigit() or int(send_after) > 2592000:
            print("EMAIL_SEND_AFTER: give whole seconds from 0 to 2592000", file=sys.stderr)
            return 2
        # sendAt: the worker holds the message until then and never sends it before.
        command["sendAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + int(send_after)))

    connection = pika.BlockingConnection(parameters)
    channel = connection.channel()
    # Subscribe before publishing, so the outcome cannot be missed.
    events = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(events, f"{prefix}.events", routing_key="email.#")
    channel.confirm_delivery()
    try:
        channel.basic_publish(exchange, "", json.dumps(command).encode(),
                              pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=message_id,
                                                   headers={"traceparent": traceparent}),
                              mandatory=True)
    except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as error:
        print(f"not sent: the broker did not accept {message_id}: {error}", file=sys.stderr)
        return 1
    print(f"sent {message_id}")
    print(f"trace {traceparent.split('-')[1]}")

    deadline = time.monotonic() + timeout
    for _method, _properties, body in channel.consume(events, auto_ack=True, inactivity_timeout=1):
        if body is not None:
            event = json.loads(body)
            if event.get("messageId") == message_id:
                print(f"{event['outcome']}: {json.dumps(event)}", flush=True)
                if event["outcome"] in FINAL_OUTCOMES:
                    connection.close()
                    return 0 if event["outcome"] == "delivered" else 1
        if time.monotonic() > deadline:
            break
    print(f"no outcome for {message_id} within {timeout:.0f} s", file=sys.stderr)
    connection.close()
    return 1


if __name__ == "__main__":
    sys.exit(main())
