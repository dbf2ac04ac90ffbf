package dev.squall.benchmarks.peer;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the GEMM report says about OpenBLAS's environment (read here, never changed). */
class BlasPeerTest {
    @Test
    void theEnvironmentThatForcesOpenBlasKernelsIsStated() {
        assertEquals(Optional.empty(), BlasPeer.environmentWarning(true, null, null));
        assertEquals(Optional.empty(), BlasPeer.environmentWarning(false, "Haswell", "512"), "VectorBLAS runs");
        String both = BlasPeer.environmentWarning(true, "Haswell", "512").orElseThrow();
        assertTrue(both.startsWith("OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE=512 set in the environment: OpenBLAS"
                + " runs its Haswell kernels"), both);
        assertTrue(both.endsWith("(to measure those: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ./squall bench --suite"
                + " gemm)"), both);
        assertTrue(BlasPeer.environmentWarning(true, null, "1024").orElseThrow().startsWith("OPENBLAS_L2_SIZE=1024 set"));
    }
}
