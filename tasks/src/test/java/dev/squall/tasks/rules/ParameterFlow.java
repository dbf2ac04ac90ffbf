package dev.squall.tasks.rules;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.Interpreter;
import org.objectweb.asm.tree.analysis.Value;

/**
 * Which array parameters a method stores into. ASM's {@link Analyzer} runs a data-flow analysis in
 * which every value carries the set of parameters it may be: the tag survives copies (locals,
 * {@code DUP}s) and merges at branches, so aliases such as {@code float[] o = out} and
 * {@code (flag ? a : b)} are followed. The array operand of an {@code xASTORE} names stored parameters
 * directly; an argument passed to a helper at a position the helper stores into names them through the
 * call.
 */
final class ParameterFlow {
    private ParameterFlow() {
    }

    /**
     * The parameters {@code method} stores into, each with the first instruction that does (an array
     * store or a helper call), in instruction order.
     *
     * @param helperStores the parameters a called helper stores into (empty for non-helpers)
     */
    static Map<Integer, AbstractInsnNode> storedParameters(String owner, MethodNode method,
                                                           Function<MethodInsnNode, Set<Integer>> helperStores) {
        Frame<Tagged>[] frames;
        try {
            frames = new Analyzer<>(new Tagger(method)).analyze(owner, method);
        } catch (AnalyzerException e) {
            throw new IllegalStateException("cannot analyse " + Bytecode.methodName(owner, method.name), e);
        }
        Map<Integer, AbstractInsnNode> stored = new LinkedHashMap<>();
        for (int i = 0; i < frames.length; i++) {
            Frame<Tagged> frame = frames[i];
            AbstractInsnNode insn = method.instructions.get(i);
            if (frame == null) {
                continue; // unreachable code
            }
            int top = frame.getStackSize();
            if (insn.getOpcode() >= Opcodes.IASTORE && insn.getOpcode() <= Opcodes.SASTORE) {
                frame.getStack(top - 3).params().forEach(p -> stored.putIfAbsent(p, insn));
            } else if (insn instanceof MethodInsnNode call && call.getOpcode() == Opcodes.INVOKESTATIC) {
                int args = Type.getArgumentTypes(call.desc).length;
                for (int arg : helperStores.apply(call)) {
                    frame.getStack(top - args + arg).params().forEach(p -> stored.putIfAbsent(p, insn));
                }
            }
        }
        return stored;
    }

    /** A {@link BasicValue} tagged with the array parameters it may be. */
    private record Tagged(BasicValue basic, Set<Integer> params) implements Value {
        @Override
        public int getSize() {
            return basic.getSize();
        }
    }

    /** {@link BasicInterpreter}'s values, tagged at parameters and keeping tags only through copies. */
    private static final class Tagger extends Interpreter<Tagged> {
        private final BasicInterpreter basic = new BasicInterpreter();
        private final MethodNode method;

        Tagger(MethodNode method) {
            super(Opcodes.ASM9);
            this.method = method;
        }

        private static Tagged untagged(BasicValue value) {
            return value == null ? null : new Tagged(value, Set.of());
        }

        @Override
        public Tagged newValue(Type type) {
            return untagged(basic.newValue(type));
        }

        @Override
        public Tagged newParameterValue(boolean isInstanceMethod, int local, Type type) {
            Set<Integer> tag = type.getSort() == Type.ARRAY ? Set.of(Bytecode.parameterAt(method, local)) : Set.of();
            return new Tagged(basic.newValue(type), tag);
        }

        @Override
        public Tagged newOperation(AbstractInsnNode insn) throws AnalyzerException {
            return untagged(basic.newOperation(insn));
        }

        @Override
        public Tagged copyOperation(AbstractInsnNode insn, Tagged value) throws AnalyzerException {
            return new Tagged(basic.copyOperation(insn, value.basic()), value.params());
        }

        @Override
        public Tagged unaryOperation(AbstractInsnNode insn, Tagged value) throws AnalyzerException {
            return untagged(basic.unaryOperation(insn, value.basic()));
        }

        @Override
        public Tagged binaryOperation(AbstractInsnNode insn, Tagged value1, Tagged value2) throws AnalyzerException {
            return untagged(basic.binaryOperation(insn, value1.basic(), value2.basic()));
        }

        @Override
        public Tagged ternaryOperation(AbstractInsnNode insn, Tagged value1, Tagged value2, Tagged value3)
                throws AnalyzerException {
            return untagged(basic.ternaryOperation(insn, value1.basic(), value2.basic(), value3.basic()));
        }

        @Override
        public Tagged naryOperation(AbstractInsnNode insn, List<? extends Tagged> values) throws AnalyzerException {
            return untagged(basic.naryOperation(insn, values.stream().map(Tagged::basic).toList()));
        }

        @Override
        public void returnOperation(AbstractInsnNode insn, Tagged value, Tagged expected) throws AnalyzerException {
            basic.returnOperation(insn, value.basic(), expected.basic());
        }

        @Override
        public Tagged merge(Tagged value1, Tagged value2) {
            if (value1.equals(value2)) {
                return value1;
            }
            Set<Integer> params = new HashSet<>(value1.params());
            params.addAll(value2.params());
            return new Tagged(basic.merge(value1.basic(), value2.basic()), Set.copyOf(params));
        }
    }
}
