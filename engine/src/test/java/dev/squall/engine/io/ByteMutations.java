package dev.squall.engine.io;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Format-blind corruptions for {@link ReaderFuzz}: what a bad disk, a cut download or a careless edit does. */
final class ByteMutations {
    /** Every mutation here, by name. */
    static final Map<String, ReaderFuzz.Mutation> ALL = new LinkedHashMap<>();

    static {
        ALL.put("truncate", (b, rnd) -> Arrays.copyOf(b, b.length == 0 ? 0 : rnd.nextInt(b.length)));
        ALL.put("flip header bits", (b, rnd) -> flipBits(b, rnd, Math.min(b.length, 160)));
        ALL.put("flip bits", (b, rnd) -> flipBits(b, rnd, b.length));
        ALL.put("overwrite run", ByteMutations::overwriteRun);
        ALL.put("set bytes to 0xff", (b, rnd) -> setRun(b, rnd, (byte) 0xff));
        ALL.put("set bytes to 0", (b, rnd) -> setRun(b, rnd, (byte) 0));
        ALL.put("delete run", ByteMutations::deleteRun);
        ALL.put("insert run", ByteMutations::insertRun);
        ALL.put("append garbage", (b, rnd) -> concat(b, random(rnd, 1 + rnd.nextInt(64))));
        ALL.put("duplicate run", ByteMutations::duplicateRun);
    }

    private ByteMutations() {
    }

    private static byte[] flipBits(byte[] b, SplittableRandom rnd, int within) {
        byte[] out = b.clone();
        for (int k = 1 + rnd.nextInt(4); k > 0 && within > 0; k--) {
            out[rnd.nextInt(within)] ^= (byte) (1 << rnd.nextInt(8));
        }
        return out;
    }

    private static byte[] overwriteRun(byte[] b, SplittableRandom rnd) {
        byte[] out = b.clone();
        if (out.length > 0) {
            int at = rnd.nextInt(out.length);
            byte[] run = random(rnd, Math.min(out.length - at, 1 + rnd.nextInt(16)));
            System.arraycopy(run, 0, out, at, run.length);
        }
        return out;
    }

    private static byte[] setRun(byte[] b, SplittableRandom rnd, byte value) {
        byte[] out = b.clone();
        if (out.length > 0) {
            int at = rnd.nextInt(out.length);
            Arrays.fill(out, at, Math.min(out.length, at + 1 + rnd.nextInt(8)), value);
        }
        return out;
    }

    private static byte[] deleteRun(byte[] b, SplittableRandom rnd) {
        if (b.length == 0) {
            return b;
        }
        int at = rnd.nextInt(b.length);
        int n = Math.min(b.length - at, 1 + rnd.nextInt(32));
        return concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + n, b.length));
    }

    private static byte[] insertRun(byte[] b, SplittableRandom rnd) {
        int at = rnd.nextInt(b.length + 1);
        return concat(concat(Arrays.copyOf(b, at), random(rnd, 1 + rnd.nextInt(32))), Arrays.copyOfRange(b, at, b.length));
    }

    private static byte[] duplicateRun(byte[] b, SplittableRandom rnd) {
        if (b.length == 0) {
            return b;
        }
        int at = rnd.nextInt(b.length);
        byte[] run = Arrays.copyOfRange(b, at, Math.min(b.length, at + 1 + rnd.nextInt(64)));
        int to = rnd.nextInt(b.length + 1);
        return concat(concat(Arrays.copyOf(b, to), run), Arrays.copyOfRange(b, to, b.length));
    }

    static byte[] random(SplittableRandom rnd, int n) {
        byte[] out = new byte[n];
        rnd.nextBytes(out);
        return out;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
