package dev.squall.tasks.rules;

import java.util.ArrayList;
import java.util.List;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.TypeReference;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableAnnotationNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

import dev.squall.tasks.rules.KernelRules.Rule;

/**
 * Finds and checks a method's {@code @Parallel} loops.
 *
 * <p>javac keeps {@code @Parallel int r} as a runtime-visible type annotation with target
 * {@link TypeReference#LOCAL_VARIABLE}, which ASM lists in
 * {@link MethodNode#visibleLocalVariableAnnotations} with the variable's slot and live range. For
 * {@code for (@Parallel int r = 0; r < rowCount; r++) body} javac emits
 * <pre>
 *         ICONST_0
 *         ISTORE r
 * start:  ILOAD r            // the live range of r is [start, end)
 *         ILOAD rowCount
 *         IF_ICMPGE end
 *         body
 *         IINC r 1
 *         GOTO start
 * end:
 * </pre>
 * Hence the heuristic:
 * <ul>
 *   <li>a loop starts at 0 when the two real instructions before {@code start} are
 *       {@code ICONST_0, ISTORE r} (a {@code static final} zero is inlined to {@code ICONST_0});</li>
 *   <li>a loop is outermost when no other {@code @Parallel} range encloses its range;</li>
 *   <li>an outermost kernel loop runs to {@code rowCount} when its first instructions are
 *       {@code ILOAD r, ILOAD rowCount, IF_ICMPGE} to the end of its range or beyond, and its only
 *       write to {@code r} is one {@code IINC r 1}.</li>
 * </ul>
 * Equivalent spellings ({@code rowCount > r}, {@code r != rowCount}, a bound copied into another
 * local, a {@code while} loop) are reported as well, on purpose: the convention is the one shape that
 * TornadoVM is known to parallelise. A variable with several live ranges is taken from the start of the
 * first to the end of the last.
 */
final class ParallelLoops {
    private ParallelLoops() {
    }

    /** A {@code @Parallel} variable: its slot, its live range and instruction indices of both ends. */
    record Loop(int slot, LabelNode start, LabelNode end, int from, int to) {
        boolean encloses(Loop other) {
            return this != other && from <= other.from && other.to <= to;
        }
    }

    /** The {@code @Parallel} loops of {@code method}, in order of their start. */
    static List<Loop> find(MethodNode method) {
        List<Loop> loops = new ArrayList<>();
        if (method.visibleLocalVariableAnnotations == null) {
            return loops;
        }
        for (LocalVariableAnnotationNode a : method.visibleLocalVariableAnnotations) {
            if (KernelRules.PARALLEL_DESCRIPTOR.equals(a.desc)
                    && new TypeReference(a.typeRef).getSort() == TypeReference.LOCAL_VARIABLE
                    && a.typePath == null) {
                LabelNode start = a.start.get(0);
                LabelNode end = a.end.get(a.end.size() - 1);
                loops.add(new Loop(a.index.get(0), start, end,
                        method.instructions.indexOf(start), method.instructions.indexOf(end)));
            }
        }
        loops.sort((x, y) -> Integer.compare(x.from(), y.from()));
        return loops;
    }

    /** Kernels and helpers: every {@code @Parallel} loop starts at the constant 0. */
    static List<Finding> checkStarts(MethodNode method) {
        List<Finding> findings = new ArrayList<>();
        for (Loop loop : find(method)) {
            AbstractInsnNode store = Bytecode.previous(loop.start());
            AbstractInsnNode init = store == null ? null : Bytecode.previous(store);
            boolean initialised = store instanceof VarInsnNode v && v.getOpcode() == Opcodes.ISTORE
                    && v.var == loop.slot() && init != null;
            if (!initialised) {
                findings.add(new Finding(Rule.PARALLEL_LOOP, "@Parallel " + name(method, loop)
                        + " has no initialising store before its range at line " + Bytecode.line(loop.start())));
            } else if (init.getOpcode() != Opcodes.ICONST_0) {
                findings.add(new Finding(Rule.PARALLEL_LOOP, "@Parallel " + name(method, loop) + " starts at "
                        + Bytecode.describe(method, init) + ", not the constant 0"));
            }
        }
        return findings;
    }

    /**
     * Kernels only: at least one {@code @Parallel} loop, each outermost one is
     * {@code for (@Parallel int r = 0; r < rowCount; r++)}, and {@code rowCount} is never assigned.
     */
    static List<Finding> checkRowRange(MethodNode method) {
        List<Finding> findings = new ArrayList<>();
        List<Loop> loops = find(method);
        if (loops.isEmpty()) {
            findings.add(new Finding(Rule.PARALLEL_LOOP, "no @Parallel loop"));
        }
        int rowCount = Bytecode.parameterSlot(method, Type.getArgumentTypes(method.desc).length - 1);
        for (Loop loop : loops) {
            if (loops.stream().noneMatch(outer -> outer.encloses(loop))) {
                checkBound(method, loop, rowCount, findings);
                checkStep(method, loop, findings);
            }
        }
        for (AbstractInsnNode insn : method.instructions) {
            if (writes(insn, rowCount)) {
                findings.add(new Finding(Rule.PARALLEL_LOOP, KernelRules.ROW_COUNT + " is assigned by "
                        + Bytecode.describe(method, insn)));
            }
        }
        return findings;
    }

    private static void checkBound(MethodNode method, Loop loop, int rowCount, List<Finding> findings) {
        AbstractInsnNode first = Bytecode.next(loop.start());
        AbstractInsnNode second = first == null ? null : Bytecode.next(first);
        AbstractInsnNode jump = second == null ? null : Bytecode.next(second);
        boolean canonical = loads(first, loop.slot()) && loads(second, rowCount)
                && jump instanceof JumpInsnNode j && j.getOpcode() == Opcodes.IF_ICMPGE
                && method.instructions.indexOf(j.label) >= loop.to();
        if (!canonical) {
            String found = first == null || second == null || jump == null ? "end of method"
                    : Bytecode.text(method, first) + ", " + Bytecode.text(method, second) + ", "
                    + Bytecode.text(method, jump);
            findings.add(new Finding(Rule.PARALLEL_LOOP, "outermost @Parallel " + name(method, loop)
                    + " is not bounded by " + name(method, loop) + " < " + KernelRules.ROW_COUNT + " at line "
                    + Bytecode.line(loop.start()) + " (found " + found + ")"));
        }
    }

    private static void checkStep(MethodNode method, Loop loop, List<Finding> findings) {
        List<AbstractInsnNode> writes = new ArrayList<>();
        for (int i = loop.from(); i < loop.to(); i++) {
            AbstractInsnNode insn = method.instructions.get(i);
            if (writes(insn, loop.slot())) {
                writes.add(insn);
            }
        }
        boolean unitStep = writes.size() == 1 && writes.get(0) instanceof IincInsnNode inc && inc.incr == 1;
        if (!unitStep) {
            String found = writes.isEmpty() ? "no increment"
                    : String.join(", ", writes.stream().map(w -> Bytecode.describe(method, w)).toList());
            findings.add(new Finding(Rule.PARALLEL_LOOP, "outermost @Parallel " + name(method, loop)
                    + " does not step by exactly one " + name(method, loop) + "++ (found " + found + ")"));
        }
    }

    private static boolean loads(AbstractInsnNode insn, int slot) {
        return insn instanceof VarInsnNode v && v.getOpcode() == Opcodes.ILOAD && v.var == slot;
    }

    private static boolean writes(AbstractInsnNode insn, int slot) {
        return insn instanceof VarInsnNode v && v.getOpcode() == Opcodes.ISTORE && v.var == slot
                || insn instanceof IincInsnNode inc && inc.var == slot;
    }

    private static String name(MethodNode method, Loop loop) {
        return Bytecode.localName(method, loop.slot(), loop.start());
    }
}
