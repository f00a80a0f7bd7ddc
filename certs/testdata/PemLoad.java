// PemLoad loads service keys the way Hono 0.7 does through vert.x 3.5.3's
// KeyStoreHelper (a "PRIVATE KEY" PEM block through the RSA key factory),
// then runs a JSSE TLS 1.2 server with the key and its chain file and a
// client that trusts trusted-certs.pem and verifies the host name
// "localhost". Usage: java PemLoad.java DIR CERTNAME...
// certs/java_test.go runs it; it is not part of honoctl.
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class PemLoad {
    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("trusted-certs.pem"))) {
            int i = 0;
            for (Certificate c : cf.generateCertificates(in)) {
                trust.setCertificateEntry("trusted-" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);

        for (int i = 1; i < args.length; i++) {
            String name = args[i];
            String pem = new String(Files.readAllBytes(dir.resolve(name + "-key.pem")), "US-ASCII");
            String b64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
            PrivateKey key = KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
            Collection<? extends Certificate> chain;
            try (InputStream in = Files.newInputStream(dir.resolve(name + "-cert.pem"))) {
                chain = cf.generateCertificates(in);
            }
            char[] pw = "unused".toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("key", key, pw, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLSv1.2");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            handshake(ctx, name);
        }
    }

    static void handshake(SSLContext ctx, String name) throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 1, lo)) {
            ss.setSoTimeout(10000);
            Thread server = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(10000);
                    s.startHandshake();
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                } catch (Exception e) {
                    System.err.println(name + ": server: " + e);
                }
            });
            server.start();
            try (SSLSocket c = (SSLSocket) ctx.getSocketFactory().createSocket(lo, ss.getLocalPort())) {
                SSLParameters p = c.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                p.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName("localhost")));
                c.setSSLParameters(p);
                c.setSoTimeout(10000);
                c.startHandshake();
                c.getInputStream().read();
                System.out.println(name + ": ok " + c.getSession().getProtocol() + " " + c.getSession().getCipherSuite());
            }
            server.join();
        }
    }
}
