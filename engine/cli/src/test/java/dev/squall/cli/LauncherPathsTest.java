package dev.squall.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.squall.engine.docs.Checkout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers ({@code ./squall}, {@code tornado-config/run}) run the CLI in the caller's directory, so relative
 * paths resolve where the user is, and run Maven in the checkout (issue 21). The real scripts run in a copy of the
 * checkout with a stand-in JDK, Maven and TornadoVM SDK that record their working directory and arguments: no
 * build, no JVM, milliseconds.
 */
class LauncherPathsTest {
    @TempDir
    Path tmp;

    private Path checkout;
    private Path caller;
    private Path jdk;
    private Path sdk;
    private Path tools;
    private Path mavenLog;

    @BeforeEach
    void fakeCheckoutJdkMavenAndSdk() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
        Path repo = Checkout.root();
        checkout = Files.createDirectories(tmp.resolve("checkout"));
        copy(repo.resolve("squall"), checkout.resolve("squall"));
        copy(repo.resolve("tornado-config/run"), checkout.resolve("tornado-config/run"));
        built(checkout.resolve("engine/cli/target/squall-cli.jar"));
        built(checkout.resolve("tornado-config/backend/target/squall-tornado.jar"));
        caller = Files.createDirectories(tmp.resolve("elsewhere"));

        jdk = Files.createDirectories(tmp.resolve("jdk/bin"));
        Files.writeString(jdk.resolveSibling("release"), "JAVA_VERSION=\"25.0.1\"\n");
        script(jdk.resolve("javac"), "exit 0");
        script(jdk.resolve("java"), "echo \"java cwd=$(pwd -P)\"; for a in \"$@\"; do echo \"arg=$a\"; done");
        jdk = jdk.getParent();
        mavenLog = tmp.resolve("mvn.log");
        tools = Files.createDirectories(tmp.resolve("tools"));
        script(tools.resolve("mvn"), "echo \"mvn cwd=$(pwd -P) $*\" >> '" + mavenLog + "'");
        sdk = Files.createDirectories(tmp.resolve("sdk/share/java/tornado")).getParent().getParent().getParent();
        Files.createFile(sdk.resolve("share/java/tornado/tornado-api-1.0-jdk25.jar"));
        Files.createFile(sdk.resolve("tornado-argfile"));
    }

    @Test
    void theCliRunsInTheCallersDirectoryAndMavenInTheCheckout() throws Exception {
        String out = launch("squall", "op", "softmax", "x.npy", "-o", "y.npy");
        assertTrue(out.contains("java cwd=" + caller.toRealPath()), out);
        assertTrue(out.contains("arg=x.npy\narg=-o\narg=y.npy"), out);
        assertFalse(Files.exists(mavenLog), "built although nothing changed");

        Files.delete(checkout.resolve("engine/cli/target/.squall-built"));
        out = launch("squall", "info");
        assertEquals(List.of("mvn cwd=" + checkout.toRealPath() + " -B -q -DskipTests package"), mavenCalls());
        assertTrue(out.contains("java cwd=" + caller.toRealPath()), out);

        Files.delete(mavenLog);
        launch("squall", "test", "-Dtest=NpyTest");
        assertEquals(List.of("mvn cwd=" + checkout.toRealPath() + " -B verify -Dtest=NpyTest"), mavenCalls());
        out = launch("squall", "test", "--help");
        assertTrue(out.contains("arg=test\narg=--help"), "test --help is the CLI's help: " + out);
    }

    @Test
    void tornadoRunDoesTheSame() throws Exception {
        String out = launch("tornado-config/run", "op", "softmax", "x.npy", "-o", "y.npy", "--backend", "tornado");
        assertTrue(out.contains("java cwd=" + caller.toRealPath()), out);
        assertTrue(out.contains("arg=x.npy\narg=-o\narg=y.npy"), out);
        assertFalse(Files.exists(mavenLog), "built although nothing changed");
        launch("tornado-config/run", "test");
        assertEquals(List.of("mvn cwd=" + checkout.toRealPath() + " -B -Ptornado -Dtornado.version=1.0-jdk25 verify"
                + " -pl tornado-config/backend -am"), mavenCalls());
    }

    /** Runs {@code checkout/script args} from {@link #caller}; returns its output (stdout and stderr). */
    private String launch(String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/bash", checkout.resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(caller.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SQUALL_") || k.startsWith("TORNADO") || k.equals("MAVEN_OPTS"));
        env.put("JAVA_HOME", jdk.toString());
        env.put("TORNADO_SDK", sdk.toString());
        env.put("PATH", tools + ":/usr/bin:/bin");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private List<String> mavenCalls() throws IOException {
        return Files.exists(mavenLog) ? Files.readAllLines(mavenLog) : List.of();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    }

    /** A jar and, after it, the launcher's build stamp beside it: up to date. */
    private static void built(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Files.createFile(jar);
        Files.createFile(jar.resolveSibling(".squall-built"));
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        assertTrue(file.toFile().setExecutable(true));
    }
}
