package dev.squall.engine.docs;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository checkout the tests run in, for tests of its launchers and documents. */
public final class Checkout {
    private Checkout() {
    }

    /** The first directory up from the working directory (a module's) that holds the {@code squall} launcher. */
    public static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("squall")) && Files.isRegularFile(d.resolve("tornado-config/run"))) {
                return d;
            }
        }
        throw new IllegalStateException("no ./squall above " + Path.of("").toAbsolutePath());
    }
}
