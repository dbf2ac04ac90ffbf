package dev.squall.engine.jvm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A JVM backend of two threads shared by the tests of a class, started before them and closed after. */
public abstract class SharedJvmBackend {
    /** The backend; valid while the class's tests run. */
    protected static JvmBackend backend;

    @BeforeAll
    static void startBackend() {
        backend = new JvmBackend(2);
    }

    @AfterAll
    static void stopBackend() {
        backend.close();
    }
}
