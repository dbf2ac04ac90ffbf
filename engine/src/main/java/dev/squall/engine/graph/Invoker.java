package dev.squall.engine.graph;

import dev.squall.engine.graph.Kernel.*;

/** Calls a bound kernel on a row range with its arguments held as objects. */
final class Invoker {
    private Invoker() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static void invoke(Kernel kernel, Object[] a, int rowOffset, int rowCount) {
        switch (kernel) {
            case K1 k -> k.apply(a[0], rowOffset, rowCount);
            case K2 k -> k.apply(a[0], a[1], rowOffset, rowCount);
            case K3 k -> k.apply(a[0], a[1], a[2], rowOffset, rowCount);
            case K4 k -> k.apply(a[0], a[1], a[2], a[3], rowOffset, rowCount);
            case K5 k -> k.apply(a[0], a[1], a[2], a[3], a[4], rowOffset, rowCount);
            case K6 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], rowOffset, rowCount);
            case K7 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], rowOffset, rowCount);
            case K8 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], rowOffset, rowCount);
            case K9 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], rowOffset, rowCount);
            case K10 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], rowOffset, rowCount);
            case K11 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], rowOffset, rowCount);
            case K12 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], rowOffset, rowCount);
            case K13 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], rowOffset, rowCount);
            case K14 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], rowOffset, rowCount);
            case K15 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], rowOffset, rowCount);
            case K16 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], rowOffset, rowCount);
            case K17 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], rowOffset, rowCount);
            case K18 k -> k.apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], rowOffset, rowCount);
        }
    }
}
