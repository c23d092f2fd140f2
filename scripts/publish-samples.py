#!/usr/bin/python3
"""Publishes JSON files to the work exchange as any non-.NET producer would: plain JSON, persistent, confirmed, mandatory."""
import json
import sys
import time

import pika

host, port, exchange, files = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
connection = pika.BlockingConnection(pika.ConnectionParameters(host, port))
channel = connection.channel()
# The worker declares the topology when it starts: wait (bounded) for the exchange instead of publishing into nothing.
for _ in range(60):
    try:
        channel.exchange_declare(exchange, passive=True)
        break
    except pika.exceptions.ChannelClosedByBroker:
        channel = connection.channel()
        time.sleep(0.5)
else:
    sys.exit(f"exchange {exchange} does not exist: is the worker running?")
channel.confirm_delivery()
for path in files:
    with open(path, "rb") as file:
        body = file.read()
    json.loads(body)  # refuse to publish a file that is not JSON
    channel.basic_publish(exchange, "", body,
                          pika.BasicProperties(content_type="application/json", delivery_mode=2), mandatory=True)
    print(f"published {path}")
connection.close()
