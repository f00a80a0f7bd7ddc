#!/usr/bin/python3
"""A Qpid Proton peer for the hono-sim tests: a real AMQP 1.0 client that
is not ours. It prints one line per event the Go test waits for.

  proton_peer.py receive URL ADDRESS COUNT CA USER PASSWORD
  proton_peer.py send    URL ADDRESS COUNT CA CERT KEY HOSTNAME

receive logs in with SASL PLAIN and prints "ready" once its link is open,
then one JSON line per message (body, application properties, message
annotations). send logs in with its client certificate and SASL EXTERNAL,
opens the connection with HOSTNAME (the router's vhost) and prints
"accepted" or "rejected <condition>" per message. A connection the peer
closes with an error prints "closed <condition>". receive verifies the
server's certificate and host name, send the certificate only (Proton
checks the name against the vhost, not the URL's host).
"""
import json
import sys

from proton import Message, SSLDomain
from proton.handlers import MessagingHandler
from proton.reactor import Container


def domain(ca, cert=None, key=None, verify=SSLDomain.VERIFY_PEER_NAME):
    d = SSLDomain(SSLDomain.MODE_CLIENT)
    d.set_trusted_ca_db(ca)
    d.set_peer_authentication(verify)
    if cert:
        d.set_credentials(cert, key, None)
    return d


def say(line):
    print(line, flush=True)


def text(v):
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode("utf-8", "replace")
    return v


class Receive(MessagingHandler):
    def __init__(self, url, address, count, ca, user, password):
        super().__init__()
        self.url, self.address, self.count = url, address, count
        self.ca, self.user, self.password = ca, user, password
        self.got = 0

    def on_start(self, event):
        conn = event.container.connect(self.url, ssl_domain=domain(self.ca), user=self.user,
                                       password=self.password, allowed_mechs="PLAIN")
        event.container.create_receiver(conn, self.address)

    def on_link_opened(self, event):
        say("ready")

    def on_message(self, event):
        m = event.message
        say(json.dumps({
            "body": text(m.body),
            "properties": {str(k): text(v) for k, v in (m.properties or {}).items()},
            "annotations": {str(k): text(v) for k, v in (m.annotations or {}).items()},
        }))
        self.got += 1
        if self.got >= self.count:
            event.connection.close()

    def on_transport_error(self, event):
        say("error %s" % event.transport.condition)

    def on_connection_error(self, event):
        say("closed %s" % event.connection.remote_condition)
        event.connection.close()


class Send(MessagingHandler):
    def __init__(self, url, address, count, ca, cert, key, hostname):
        super().__init__()
        self.url, self.address, self.count = url, address, count
        self.ca, self.cert, self.key, self.hostname = ca, cert, key, hostname
        self.sent = self.settled = 0

    def on_start(self, event):
        # Proton checks the certificate against the virtual host, not the
        # URL's host, so with a vhost only the chain can be verified.
        conn = event.container.connect(self.url, ssl_domain=domain(self.ca, self.cert, self.key, SSLDomain.VERIFY_PEER),
                                       allowed_mechs="EXTERNAL", virtual_host=self.hostname)
        event.container.create_sender(conn, self.address)

    def on_sendable(self, event):
        while event.sender.credit and self.sent < self.count:
            # inferred: bytes go into a Data section, as Hono sends them.
            event.sender.send(Message(body=b"proton-%d" % self.sent, inferred=True,
                                      content_type="text/plain", properties={"device_id": "4711"}))
            self.sent += 1

    def on_accepted(self, event):
        say("accepted")
        self.done(event)

    def on_rejected(self, event):
        say("rejected %s" % event.delivery.remote.condition)
        self.done(event)

    def done(self, event):
        self.settled += 1
        if self.settled >= self.count:
            event.connection.close()

    def on_transport_error(self, event):
        say("error %s" % event.transport.condition)

    def on_connection_error(self, event):
        say("closed %s" % event.connection.remote_condition)
        event.connection.close()


def main(argv):
    mode, url, address, count = argv[1], argv[2], argv[3], int(argv[4])
    if mode == "receive":
        handler = Receive(url, address, count, *argv[5:8])
    else:
        handler = Send(url, address, count, *argv[5:9])
    Container(handler).run()


if __name__ == "__main__":
    main(sys.argv)
