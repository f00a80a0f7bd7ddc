"""A python-qpid-proton broker for interoperability tests of our client.

Usage: proton_server.py CA CERT KEY

It listens on a free loopback port with TLS (CERT/KEY, client certificates
verified against CA when sent) and SASL EXTERNAL or ANONYMOUS, prints
"listening PORT", and then queues messages sent to an address until a
receiver on that address takes them. Every message it receives it also
reports as "got <address> <device_id> <authenticated user>".
"""
import collections
import socket
import sys

from proton import SSLDomain, symbol
from proton.handlers import MessagingHandler
from proton.reactor import Container


class Broker(MessagingHandler):
    def __init__(self, port, domain):
        super().__init__(auto_accept=True)
        self.port = port
        self.domain = domain
        self.queues = collections.defaultdict(collections.deque)
        self.consumers = collections.defaultdict(list)

    def on_start(self, event):
        event.container.listen("127.0.0.1:%d" % self.port, ssl_domain=self.domain)
        print("listening %d" % self.port, flush=True)

    def on_connection_bound(self, event):
        sasl = event.transport.sasl()
        sasl.allowed_mechs("EXTERNAL ANONYMOUS")

    def on_connection_opening(self, event):
        event.connection.offered_capabilities = symbol("ADDRESS-AUTHZ")
        event.connection.properties = {symbol("authenticated-identity"): event.transport.user}

    def on_link_opening(self, event):
        link = event.link
        if link.is_sender:
            link.source.address = link.remote_source.address
            self.consumers[link.source.address].append(link)
        else:
            link.target.address = link.remote_target.address

    def on_sendable(self, event):
        self.dispatch(event.link.source.address)

    def on_message(self, event):
        address = event.link.target.address
        props = event.message.properties or {}
        print("got %s %s %s" % (address, props.get("device_id"), event.transport.user), flush=True)
        self.queues[address].append(event.message)
        self.dispatch(address)

    def dispatch(self, address):
        queue = self.queues[address]
        for link in self.consumers[address]:
            while queue and link.credit > 0 and link.state & link.LOCAL_ACTIVE:
                link.send(queue.popleft())


def main():
    ca, cert, key = sys.argv[1:4]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    domain = SSLDomain(SSLDomain.MODE_SERVER)
    domain.set_credentials(cert, key, None)
    domain.set_trusted_ca_db(ca)
    domain.set_peer_authentication(SSLDomain.VERIFY_PEER, ca)
    Container(Broker(port, domain)).run()


if __name__ == "__main__":
    main()
