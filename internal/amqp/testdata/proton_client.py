"""A python-qpid-proton client for interoperability tests of our server.

Usage: proton_client.py URL MECH CA CERT KEY ADDRESS COUNT

It connects over TLS (verifying the server as "localhost"), authenticates
with MECH (PLAIN with the URL's user and password, or EXTERNAL with
CERT/KEY), sends COUNT messages to ADDRESS at least once, receives them back
and accepts them, then prints one JSON line per received message and a last
line "done".
"""
import json
import sys
import uuid

from proton import Message, SSLDomain, symbol
from proton.utils import BlockingConnection


def main():
    url, mech, ca, cert, key, address, count = sys.argv[1:8]
    count = int(count)
    domain = SSLDomain(SSLDomain.MODE_CLIENT)
    domain.set_trusted_ca_db(ca)
    domain.set_peer_authentication(SSLDomain.VERIFY_PEER_NAME)
    if mech == "EXTERNAL":
        domain.set_credentials(cert, key, None)
    conn = BlockingConnection(url, timeout=10, ssl_domain=domain, sasl_enabled=True,
                              allowed_mechs=mech, virtual_host="localhost",
                              desired_capabilities=[symbol("ADDRESS-AUTHZ")])
    snd = conn.create_sender(address)
    for i in range(count):
        if i % 2 == 0:
            msg = Message(body=bytes([i % 256]) * 100, inferred=True)
        else:
            msg = Message(body={"i": i, "list": [1, "two", 3.5], "ok": True})
        msg.id = uuid.UUID(int=i)
        msg.content_type = "application/octet-stream"
        msg.properties = {"device_id": "4711", "i": i}
        msg.annotations = {symbol("x-opt-tenant"): "DEFAULT_TENANT"}
        snd.send(msg)  # waits for the outcome
    rcv = conn.create_receiver(address, credit=5)
    for i in range(count):
        msg = rcv.receive(timeout=10)
        body = msg.body
        if isinstance(body, (bytes, memoryview)):
            body = {"data": len(bytes(body))}
        print(json.dumps({"id": str(msg.id), "props": msg.properties, "body": body,
                          "annotations": {str(k): v for k, v in msg.annotations.items()}}))
        rcv.accept()
    snd.close()
    rcv.close()
    conn.close()
    print("done")


if __name__ == "__main__":
    main()
