package org.honoctl.lab;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Version;

import java.io.File;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * A TLS echo server on Netty that picks its TLS engine as Hono 0.7's
 * services do (AbstractServiceBase.addTlsKeyCertOptions) and logs Hono's own
 * lines for that choice, in Hono's log pattern. It is a honoctl lab
 * endpoint, not a Hono service, and its first line says so.
 *
 * <p>Configuration, from the environment: LAB_CERT and LAB_KEY (PEM
 * certificate chain and PKCS#8 key), LAB_PORT (default 8443),
 * LAB_NATIVE_TLS_REQUIRED (Hono's nativeTlsRequired, default false) and
 * LAB_PROTOCOLS (comma separated, default TLSv1.2 as Hono 0.7's
 * secureProtocols).
 */
public final class TlsEndpoint {
    private static final String LOGGER = TlsEndpoint.class.getName();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private TlsEndpoint() {
    }

    public static void main(String[] args) throws Exception {
        String cert = require("LAB_CERT");
        String key = require("LAB_KEY");
        int port = Integer.parseInt(env("LAB_PORT", "8443"));
        boolean nativeTlsRequired = Boolean.parseBoolean(env("LAB_NATIVE_TLS_REQUIRED", "false"));
        String[] protocols = env("LAB_PROTOCOLS", "TLSv1.2").split(",");

        log("INFO", "honoctl lab TLS endpoint (not a Hono service): Java " + System.getProperty("java.version")
                + ", Netty " + nettyVersion() + ", extensions " + extensions());

        // Hono 0.7: useOpenSsl = nativeTlsRequired || (available && supportsKeyManagerFactory).
        boolean available = OpenSsl.isAvailable();
        boolean keyManager = available && OpenSsl.supportsKeyManagerFactory();
        log("DEBUG", "OpenSSL [available: " + available + ", supports KeyManagerFactory: " + keyManager + "]");
        boolean useOpenSsl = nativeTlsRequired || (available && keyManager);
        if (useOpenSsl) {
            log("INFO", "using OpenSSL [version: " + OpenSsl.versionString() + "] instead of JDK's default SSL engine");
        } else {
            log("INFO", "using JDK's default SSL engine");
        }
        for (String p : protocols) {
            log("INFO", "enabling secure protocol [" + p + "]");
        }

        SslContext ssl;
        try {
            ssl = SslContextBuilder.forServer(new File(cert), new File(key))
                    .sslProvider(useOpenSsl ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols(protocols)
                    .build();
        } catch (Exception | LinkageError e) {
            // Hono forces OpenSSL under nativeTlsRequired and its server then
            // fails to start; say why Netty could not load tcnative.
            log("ERROR", "cannot start the TLS server: " + e);
            if (!available) {
                log("ERROR", "OpenSSL unavailable: " + OpenSsl.unavailabilityCause());
            }
            System.exit(1);
            return;
        }
        serve(ssl, port);
    }

    private static void serve(SslContext ssl, int port) throws InterruptedException {
        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup workers = new NioEventLoopGroup();
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new Echo());
                    }
                });
        b.bind(port).sync();
        log("INFO", "echoing TLS on port " + port + " (" + ssl.getClass().getSimpleName() + ")");
        boss.terminationFuture().sync();
    }

    /** Echo writes back what it reads; the bench measures throughput with it. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client that hangs up mid-handshake (s_time, the bench) is normal.
            ctx.close();
        }
    }

    private static String nettyVersion() {
        Version v = Version.identify().get("netty-handler");
        return v == null ? "unknown" : v.artifactVersion();
    }

    private static String extensions() {
        String[] names = new File("/opt/hono/extensions").list();
        if (names == null) {
            return "[] (no /opt/hono/extensions)";
        }
        Arrays.sort(names);
        return Arrays.toString(names);
    }

    private static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? def : v;
    }

    private static String require(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            log("ERROR", "environment variable " + name + " is not set");
            System.exit(2);
        }
        return v;
    }

    /** Logs in Hono's pattern: %d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n. */
    static void log(String level, String msg) {
        System.out.printf("%s [%s] %-5s %s - %s%n", LocalTime.now().format(TIME),
                Thread.currentThread().getName(), level, LOGGER, msg);
        System.out.flush();
    }
}
