package dev.squall.tasks.rules;

import java.util.Locale;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.util.Printer;

/** Small queries on ASM trees shared by the kernel checks: names, neighbours, source lines, descriptions. */
final class Bytecode {
    private Bytecode() {
    }

    /** {@code Gemm.matmul} for method {@code matmul} of class {@code dev/squall/tasks/gemm/Gemm}. */
    static String methodName(String owner, String name) {
        return owner.substring(owner.lastIndexOf('/') + 1) + "." + name;
    }

    /** Local-variable slot of parameter {@code index} of a static method. */
    static int parameterSlot(MethodNode method, int index) {
        Type[] params = Type.getArgumentTypes(method.desc);
        int slot = 0;
        for (int i = 0; i < index; i++) {
            slot += params[i].getSize();
        }
        return slot;
    }

    /** Index of the parameter of a static method held in {@code slot}, or -1 for other locals. */
    static int parameterAt(MethodNode method, int slot) {
        Type[] params = Type.getArgumentTypes(method.desc);
        int s = 0;
        for (int i = 0; i < params.length; i++) {
            if (s == slot) {
                return i;
            }
            s += params[i].getSize();
        }
        return -1;
    }

    /**
     * Name of parameter {@code index}: from the {@code MethodParameters} attribute ({@code -parameters}),
     * else the local-variable table, else {@code arg<index>}.
     */
    static String parameterName(MethodNode method, int index) {
        if (method.parameters != null && index < method.parameters.size()) {
            return method.parameters.get(index).name;
        }
        int slot = parameterSlot(method, index);
        if (method.localVariables != null) {
            for (LocalVariableNode local : method.localVariables) {
                if (local.index == slot) { // javac never reuses a parameter's slot
                    return local.name;
                }
            }
        }
        return "arg" + index;
    }

    /**
     * Name of the local in {@code slot} at {@code insn}: the table entry covering it, else the next one
     * to start (a store that initialises a variable comes just before its range), else a placeholder.
     */
    static String localName(MethodNode method, int slot, AbstractInsnNode insn) {
        int at = method.instructions.indexOf(insn);
        LocalVariableNode next = null;
        if (method.localVariables != null) {
            for (LocalVariableNode local : method.localVariables) {
                int start = method.instructions.indexOf(local.start);
                if (local.index != slot) {
                    continue;
                }
                if (start <= at && at < method.instructions.indexOf(local.end)) {
                    return local.name;
                }
                if (start > at && (next == null || start < method.instructions.indexOf(next.start))) {
                    next = local;
                }
            }
        }
        int param = parameterAt(method, slot);
        return next != null ? next.name : param >= 0 ? parameterName(method, param) : "local" + slot;
    }

    /** The real instruction before {@code insn}, skipping labels, line numbers and frames; or null. */
    static AbstractInsnNode previous(AbstractInsnNode insn) {
        AbstractInsnNode p = insn.getPrevious();
        while (p != null && p.getOpcode() < 0) {
            p = p.getPrevious();
        }
        return p;
    }

    /** The real instruction after {@code insn}, skipping labels, line numbers and frames; or null. */
    static AbstractInsnNode next(AbstractInsnNode insn) {
        AbstractInsnNode n = insn.getNext();
        while (n != null && n.getOpcode() < 0) {
            n = n.getNext();
        }
        return n;
    }

    /** Source line of {@code insn}, or -1 without a line-number table. */
    static int line(AbstractInsnNode insn) {
        for (AbstractInsnNode p = insn; p != null; p = p.getPrevious()) {
            if (p instanceof LineNumberNode ln) {
                return ln.line;
            }
        }
        return -1;
    }

    /** {@code NEW java/lang/StringBuilder at line 42}: the instruction, its operand, its source line. */
    static String describe(MethodNode method, AbstractInsnNode insn) {
        int line = line(insn);
        return text(method, insn) + (line >= 0 ? " at line " + line : "");
    }

    /** The instruction and its operand, without the line. */
    static String text(MethodNode method, AbstractInsnNode insn) {
        String op = Printer.OPCODES[insn.getOpcode()];
        return switch (insn) {
            case MethodInsnNode m -> op + " " + m.owner + "." + m.name;
            case FieldInsnNode f -> op + " " + f.owner + "." + f.name;
            case TypeInsnNode t -> op + " " + t.desc;
            case MultiANewArrayInsnNode m -> op + " " + m.desc;
            case InvokeDynamicInsnNode d -> op + " " + d.name;
            case IntInsnNode i when i.getOpcode() == Opcodes.NEWARRAY ->
                    op + " " + Printer.TYPES[i.operand].substring(2).toLowerCase(Locale.ROOT); // T_FLOAT
            case IntInsnNode i -> op + " " + i.operand;
            case LdcInsnNode l -> op + " " + (l.cst instanceof String s ? '"' + s + '"' : l.cst);
            case VarInsnNode v -> op + " " + localName(method, v.var, insn);
            case IincInsnNode i -> op + " " + localName(method, i.var, insn) + " " + i.incr;
            default -> op;
        };
    }
}
