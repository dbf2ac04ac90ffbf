import dev.squall.engine.jvm.JvmBackend;
import dev.squall.engine.model.Generation;
import dev.squall.engine.model.GptConfig;
import dev.squall.engine.model.GptModel;
import dev.squall.engine.model.GptWeights;
import dev.squall.engine.model.NormKind;
import dev.squall.engine.model.Sampling;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Prefill and decode of a LayerNorm GPT against a folded PRepBN GPT of the same shape (random weights, vocab 65),
 * one JVM, rounds interleaved (the order alternating), one worker thread. Timed in process CPU time as well as
 * wall time, because the shared development machine's load (other work) moves wall-clock figures by 2x; the ratio
 * is the median of the per-round ratios. A single-file program, not part of the build:
 * <pre>
 * ./squall info >/dev/null   # builds the project
 * java --add-modules jdk.incubator.vector -cp engine/target/classes:tasks/target/classes \
 *     benchmarks/scripts/FoldBench.java LAYERS WIDTH HEADS BLOCK PREFILL DECODE ROUNDS REPS
 * </pre>
 * Each measurement runs {@code REPS} generations, so it spans many ticks of the CPU-time clock.
 */
public final class FoldBench {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private FoldBench() {
    }

    public static void main(String[] a) {
        int layers = Integer.parseInt(a[0]);
        int width = Integer.parseInt(a[1]);
        int heads = Integer.parseInt(a[2]);
        int block = Integer.parseInt(a[3]);
        int prefill = Integer.parseInt(a[4]);
        int decode = Integer.parseInt(a[5]);
        int rounds = Integer.parseInt(a[6]);
        int reps = Integer.parseInt(a[7]);
        GptConfig ln = GptConfig.of(65, block, layers, heads, width, true, 0);
        GptConfig[] configs = {ln, ln.withNorm(NormKind.FOLDED, 0, 0)};
        GptModel[] models = new GptModel[2];
        for (int m = 0; m < 2; m++) {
            models[m] = GptModel.of(GptWeights.random(configs[m], 1),
                    GptModel.Options.defaults().withBackend(new JvmBackend(1)));
        }
        int[] prompt = new int[prefill];
        for (int i = 0; i < prefill; i++) {
            prompt[i] = (i * 7) % 65;
        }
        double[][] pre = new double[2][rounds];
        double[][] dec = new double[2][rounds];
        double[][] preWall = new double[2][rounds];
        double[][] decWall = new double[2][rounds];
        for (int r = -3; r < rounds; r++) {          // 3 warm-up rounds
            for (int i = 0; i < 2; i++) {
                int m = (r & 1) == 0 ? i : 1 - i;
                long c0 = OS.getProcessCpuTime();
                long prefillWall = 0;
                for (int k = 0; k < reps; k++) {
                    prefillWall += models[m].generate(prompt, 1, Sampling.greedyDecoding(), t -> { }).prefillNanos();
                }
                long c1 = OS.getProcessCpuTime();
                long decodeWall = 0;
                for (int k = 0; k < reps; k++) {
                    Generation g = models[m].generate(prompt, decode + 1, Sampling.greedyDecoding(), t -> { });
                    decodeWall += g.decodeNanos();
                }
                long c2 = OS.getProcessCpuTime();
                if (r >= 0) {
                    pre[m][r] = (double) reps * prefill * 1e9 / (c1 - c0);
                    dec[m][r] = (double) reps * decode * 1e9 / Math.max(1, (c2 - c1) - (c1 - c0));
                    preWall[m][r] = (double) reps * prefill * 1e9 / prefillWall;
                    decWall[m][r] = (double) reps * decode * 1e9 / decodeWall;
                }
            }
        }
        System.out.printf("%d layers x %d, %d heads, prefill %d, decode %d, %d rounds of %d, 1 thread%n", layers, width,
                heads, prefill, decode, rounds, reps);
        String[] names = {"layernorm", "folded"};
        for (int m = 0; m < 2; m++) {
            System.out.printf("%-9s prefill %8.1f tok/CPU-s (wall %8.1f tok/s)  decode %8.1f tok/CPU-s (wall %8.1f"
                    + " tok/s)%n", names[m], median(pre[m]), median(preWall[m]), median(dec[m]), median(decWall[m]));
        }
        double[] rp = new double[rounds];
        double[] rd = new double[rounds];
        double[] rdw = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            rp[r] = pre[1][r] / pre[0][r];
            rd[r] = dec[1][r] / dec[0][r];
            rdw[r] = decWall[1][r] / decWall[0][r];
        }
        System.out.printf("folded / layernorm, median of per-round ratios: prefill %.3f, decode %.3f (CPU time);"
                + " decode %.3f (wall)%n", median(rp), median(rd), median(rdw));
        for (GptModel m : models) {
            m.close();
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
