package dev.squall.tornado;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs TornadoVM's analysis of a kernel (its "sketch", done when a task is added to a graph) with a time
 * limit. A kernel that calls JDK code TornadoVM cannot inline can deadlock TornadoVM's sketcher pool; the
 * calling thread would then wait forever. Here it waits on a daemon thread instead, and after a timeout
 * the backend reports the kernel and refuses further work (the sketcher stays deadlocked).
 */
final class SketchGuard implements AutoCloseable {
    private final Duration timeout;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "squall-tornado-sketch");
        t.setDaemon(true);
        return t;
    });
    private volatile String hung;

    SketchGuard(Duration timeout) {
        this.timeout = timeout;
    }

    /** Runs {@code analysis} of {@code what}, rethrowing what it throws; throws on timeout. */
    void run(String what, Runnable analysis) throws TimeoutException {
        if (hung != null) {
            throw new IllegalStateException("TornadoVM's kernel analysis hung on " + hung
                    + " earlier in this JVM; restart it");
        }
        Future<?> f = thread.submit(analysis);
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            hung = what;
            throw new TimeoutException("TornadoVM did not finish analysing it within " + timeout.toSeconds()
                    + " s (a call it cannot inline deadlocks its sketcher)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while TornadoVM analysed " + what, e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
