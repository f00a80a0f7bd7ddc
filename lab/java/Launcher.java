package org.honoctl.lab;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts the TLS endpoint the way Hono 0.7's images start a service: Spring
 * Boot's PropertiesLauncher (loader.home=/opt/hono, loader.path=extensions)
 * puts the application's own jars and every jar in /opt/hono/extensions on
 * one class loader. Netty looks for tcnative through the class loader that
 * loaded Netty, so the extensions must share it; they cannot simply sit on a
 * parent loader.
 *
 * <p>Native libraries in the folder are found through java.library.path,
 * which the container's command sets to the same folder: the JVM reads that
 * property once, at start.
 */
public final class Launcher {
    private static final String EXTENSIONS = "/opt/hono/extensions";
    private static final String SYSTEM_JARS = "/usr/share/java";
    private static final String CLASSES = "/opt/lab/classes";
    private static final String MAIN = "org.honoctl.lab.TlsEndpoint";

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        List<URL> path = new ArrayList<>();
        path.add(new File(CLASSES).toURI().toURL());
        // The image's Netty plays the part of the jars inside Hono's fat
        // jar. Debian's tcnative jar lies beside them but is left out: in
        // Hono's images tcnative comes only from the extensions folder.
        for (File jar : jars(new File(SYSTEM_JARS))) {
            String name = jar.getName();
            // Debian adds versioned symlinks to each jar; one copy is enough.
            if (name.startsWith("netty-") && !name.startsWith("netty-tcnative")
                    && !Files.isSymbolicLink(jar.toPath())) {
                path.add(jar.toURI().toURL());
            }
        }
        for (File jar : jars(new File(EXTENSIONS))) {
            path.add(jar.toURI().toURL());
        }

        ClassLoader loader = new URLClassLoader(path.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        Method main = loader.loadClass(MAIN).getMethod("main", String[].class);
        main.invoke(null, (Object) args);
    }

    /** The jars of dir, sorted by name so the class path is the same every run. */
    private static File[] jars(File dir) {
        File[] jars = dir.listFiles((d, name) -> name.endsWith(".jar"));
        if (jars == null) {
            return new File[0];
        }
        Arrays.sort(jars);
        return jars;
    }
}
