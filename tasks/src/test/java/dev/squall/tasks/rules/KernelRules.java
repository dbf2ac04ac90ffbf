package dev.squall.tasks.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;

/**
 * The kernel rules: TornadoVM's subset of Java plus the project's row-range convention, checked on
 * bytecode by {@link KernelChecker}. This class is the single place where the rules, the allowed types
 * and the allow-list of library calls are defined.
 *
 * <h2>What a kernel is</h2>
 * A {@code public static void} method of a class in {@code dev.squall.tasks..} whose last two parameters
 * are {@code int rowOffset, int rowCount} (names from the {@code MethodParameters} attribute, or the
 * local-variable table). Static methods of classes in {@code dev.squall.tasks..} that a kernel calls,
 * directly or not, are <em>helpers</em>: they obey every rule below except those marked "kernel only".
 *
 * <h2>Rules</h2>
 * <ol>
 *   <li>{@link Rule#SIGNATURE}: parameters are primitive scalars ({@code boolean byte short int long
 *       float double}) or one-dimensional arrays of them; helpers return {@code void} or a scalar.</li>
 *   <li>{@link Rule#ALLOCATION}: no {@code NEW}, {@code ANEWARRAY}, {@code MULTIANEWARRAY}; a
 *       {@code NEWARRAY} only with a constant size ({@code new float[BLOCK]}: javac inlines
 *       {@code static final int} constants and folds products of them), which TornadoVM turns into
 *       private memory.</li>
 *   <li>{@link Rule#THROW}: no {@code ATHROW} and no exception handlers ({@code try/catch}).</li>
 *   <li>{@link Rule#MONITOR}: no {@code synchronized} methods or blocks.</li>
 *   <li>{@link Rule#CALL}: only {@code INVOKESTATIC} of methods in {@code dev.squall.tasks..} (checked
 *       as helpers) or of the allow-listed library methods below; no virtual, interface, special or
 *       dynamic calls (the latter rules out string concatenation and lambdas). A constructor call
 *       ({@code INVOKESPECIAL <init>}) is part of the {@code NEW} already reported.</li>
 *   <li>{@link Rule#RECURSION}: no helper calls itself, directly or through others (OpenCL C forbids
 *       recursion; TornadoVM inlines calls).</li>
 *   <li>{@link Rule#FIELD}: no {@code GETFIELD}, {@code PUTFIELD}, {@code PUTSTATIC}; {@code GETSTATIC}
 *       only of {@code static final} fields of primitive type. A {@code static final} array is still
 *       mutable shared state that no backend transfers to a device, so it is not allowed either.</li>
 *   <li>{@link Rule#CONSTANT}: {@code LDC} only of numbers (a string, class or method-handle constant
 *       is an object).</li>
 *   <li>{@link Rule#ARRAY_LENGTH}: no {@code array.length}; shapes come from {@code int} parameters.</li>
 *   <li>{@link Rule#DEBUG_INFO}: the method has a local-variable table (compiled with {@code -g});
 *       without it TornadoVM silently runs the kernel sequentially in Java.</li>
 *   <li>{@link Rule#PARALLEL_LOOP}: every {@code @Parallel} loop starts at the constant 0 (TornadoVM
 *       bails out otherwise). Kernel only: a kernel has at least one {@code @Parallel} loop, each
 *       outermost one is exactly {@code for (@Parallel int r = 0; r < rowCount; r++)}, and
 *       {@code rowCount} is never assigned. How loops are recognised: {@link ParallelLoops}.</li>
 *   <li>{@link Rule#OUT}, kernel only: an array parameter is {@code @Out} exactly when the kernel stores
 *       into it, directly or through a helper that stores into the array passed to it; {@code @Out}
 *       appears only on arrays. How stores are traced: {@link ParameterFlow}.</li>
 * </ol>
 *
 * <h2>Where kernels live</h2>
 * One package per kernel family ({@code dev.squall.tasks.norm}, {@code .attention}, {@code .quant}, ...). A
 * family's backward kernels sit next to its forward ones: in the same class ({@code Norms.layerNorm} and
 * {@code Norms.layerNormBackward}) or, when large, in a sibling class of the same package named after the forward
 * one ({@code FusedAttention} and {@code FusedAttentionBackward}). So no package is named after a direction or a
 * phase ({@link #NOT_FAMILIES}: {@code backward}, {@code grad}, {@code train}, ...), and a class
 * {@code XBackward} has its {@code X} beside it. Checked by {@code KernelLayoutTest}.
 *
 * <h2>Allowed library calls</h2>
 * {@link #ALLOWED_LIBRARY_CALLS}: the {@code java.lang.Math}, {@code Float} and {@code Integer} methods
 * that TornadoVM's OpenCL backend maps to OpenCL built-ins (its {@code OCLGraphBuilderPlugins} register
 * {@code Math.abs/min/max/exp/log/pow/tanh/sin/cos} and {@code Integer.bitCount} (popcount);
 * {@code Math.sqrt} is Graal's {@code SqrtNode}, emitted as {@code sqrt}), plus {@code Float.isNaN/isInfinite},
 * which are plain comparisons the compiler inlines. An entry is a method name (all overloads) or a name
 * with its descriptor (that overload only). Each was run inside a TornadoVM 5.2 kernel on PoCL and matched
 * Java; {@code isNaN/isInfinite} (and every kernel's infinities) only with OpenCL's fast-relaxed math off,
 * which {@code tornado-config} sees to. Deliberately absent, because that backend cannot compile them or
 * computes them wrongly: {@code Float.intBitsToFloat}, {@code floatToRawIntBits}, {@code floatToIntBits}
 * and {@code floatToFloat16} (its {@code emitReinterpret} is unimplemented), {@code Float.float16ToFloat}
 * (compiles, but to a numeric conversion of the 16 bits, not a half-precision decode),
 * {@code Math.abs(int)} and {@code Math.abs(long)} (the sketch fails: "plugin manipulated the stack
 * incorrectly"), {@code Math.fma} (no {@code emitFusedMultiplyAdd}), {@code Math.floor/ceil/round} and
 * {@code Integer.numberOfLeadingZeros} (no plugin). Add a method here
 * only after it has run inside a TornadoVM kernel.
 *
 * <p>Not checked (not visible in bytecode): that a kernel writes every element of its {@code @Out}
 * arrays that its shape covers and reads none it has not written, and that shapes come from parameters
 * rather than being hard-coded. Nor the constructs that TornadoVM 5.2 accepts but compiles to wrong OpenCL
 * ({@code tornado-config/README.md} lists them: a {@code Float.NaN} constant, {@code >>>} on a negative
 * {@code int}, integer arithmetic on a loaded {@code byte}, {@code &&}/{@code ||} conditions, loops left by
 * {@code break} or {@code return}); the TornadoVM suite ({@code -Ptornado}) runs every kernel to find them.
 */
public final class KernelRules {
    /** What a kernel or helper must not do; {@link #description()} is the short form shown in reports. */
    public enum Rule {
        SIGNATURE("primitive and primitive-array parameters only"),
        ALLOCATION("no allocation"),
        THROW("no exceptions"),
        MONITOR("no monitors"),
        CALL("only static kernel helpers and allow-listed Math/Float/Integer methods"),
        RECURSION("no recursion"),
        FIELD("no non-final fields"),
        CONSTANT("numeric constants only"),
        ARRAY_LENGTH("no array.length"),
        DEBUG_INFO("compiled with -g"),
        PARALLEL_LOOP("@Parallel loops start at 0; the outermost runs to rowCount"),
        OUT("@Out marks exactly the arrays a kernel stores to");

        private final String description;

        Rule(String description) {
            this.description = description;
        }

        /** Short statement of the rule. */
        public String description() {
            return description;
        }
    }

    /** Internal-name prefix of kernel classes; static methods there are kernels or helpers. */
    static final String KERNEL_PACKAGE = "dev/squall/tasks/";
    /** Package names that would split a family by direction or phase instead of keeping it in one place. */
    static final Set<String> NOT_FAMILIES = Set.of("backward", "backwards", "bwd", "grad", "grads", "gradient",
            "gradients", "autograd", "train", "training", "forward", "fwd");
    static final String PARALLEL_DESCRIPTOR = "Ldev/squall/tasks/Parallel;";
    static final String OUT_DESCRIPTOR = "Ldev/squall/tasks/Out;";
    static final String ROW_OFFSET = "rowOffset";
    static final String ROW_COUNT = "rowCount";

    /** Library methods a kernel may call, by owner and name (all overloads), see the class comment. */
    static final Map<String, Set<String>> ALLOWED_LIBRARY_CALLS = Map.of(
            "java/lang/Math", Set.of("abs(F)F", "abs(D)D", "min", "max", "sqrt", "exp", "log", "pow", "tanh", "sin",
                    "cos"),
            "java/lang/Float", Set.of("isNaN", "isInfinite"),
            "java/lang/Integer", Set.of("bitCount"));

    private static final Set<Integer> FORBIDDEN_ALLOCATIONS =
            Set.of(Opcodes.NEW, Opcodes.ANEWARRAY, Opcodes.MULTIANEWARRAY);
    private static final Set<Integer> FORBIDDEN_CALLS =
            Set.of(Opcodes.INVOKEVIRTUAL, Opcodes.INVOKEINTERFACE, Opcodes.INVOKEDYNAMIC);
    private static final Set<Integer> FORBIDDEN_FIELD_ACCESSES =
            Set.of(Opcodes.GETFIELD, Opcodes.PUTFIELD, Opcodes.PUTSTATIC);

    private KernelRules() {
    }

    /** Resolves the field an instruction names; null when its class cannot be read. */
    @FunctionalInterface
    interface FieldResolver {
        FieldNode resolve(FieldInsnNode insn);
    }

    /** Whether a class (internal name) holds kernels and helpers. */
    static boolean isKernelClass(String internalName) {
        return internalName.startsWith(KERNEL_PACKAGE);
    }

    /**
     * Whether {@code method} is a kernel: {@code public static void}, ending in
     * {@code (int rowOffset, int rowCount)}.
     */
    static boolean isKernel(MethodNode method) {
        int flags = Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC;
        Type[] params = Type.getArgumentTypes(method.desc);
        int n = params.length;
        return (method.access & flags) == flags
                && Type.getReturnType(method.desc) == Type.VOID_TYPE
                && n >= 2
                && params[n - 2] == Type.INT_TYPE && params[n - 1] == Type.INT_TYPE
                && ROW_OFFSET.equals(Bytecode.parameterName(method, n - 2))
                && ROW_COUNT.equals(Bytecode.parameterName(method, n - 1));
    }

    /** Allowed parameter types of kernels and helpers: primitive scalars and 1-D arrays of them. */
    private static boolean isAllowedParameter(Type type) {
        Type element = type.getSort() == Type.ARRAY && type.getDimensions() == 1 ? type.getElementType() : type;
        return isScalar(element) && element != Type.CHAR_TYPE;
    }

    /** Allowed helper return types: void or a primitive scalar. */
    private static boolean isAllowedReturn(Type type) {
        return type == Type.VOID_TYPE || isScalar(type);
    }

    /** Rules on the declaration: parameter and return types, {@code synchronized}, debug info, handlers. */
    static List<Finding> checkDeclaration(MethodNode method) {
        List<Finding> findings = new ArrayList<>();
        Type[] params = Type.getArgumentTypes(method.desc);
        for (int i = 0; i < params.length; i++) {
            if (!isAllowedParameter(params[i])) {
                findings.add(new Finding(Rule.SIGNATURE, "parameter " + Bytecode.parameterName(method, i)
                        + " has type " + params[i].getClassName()));
            }
        }
        Type returns = Type.getReturnType(method.desc);
        if (!isAllowedReturn(returns)) {
            findings.add(new Finding(Rule.SIGNATURE, "returns " + returns.getClassName()));
        }
        if ((method.access & Opcodes.ACC_SYNCHRONIZED) != 0) {
            findings.add(new Finding(Rule.MONITOR, "synchronized method"));
        }
        // javac writes no table for a method without variables (maxLocals 0): nothing is missing there.
        if (method.maxLocals > 0 && (method.localVariables == null || method.localVariables.isEmpty())) {
            findings.add(new Finding(Rule.DEBUG_INFO, "no LocalVariableTable: compiled without -g"));
        }
        for (TryCatchBlockNode handler : method.tryCatchBlocks) {
            findings.add(new Finding(Rule.THROW, "exception handler for "
                    + (handler.type == null ? "any exception" : handler.type)
                    + " at line " + Bytecode.line(handler.handler)));
        }
        return findings;
    }

    /** {@code @Out} exactly on the array parameters the kernel stores into. */
    static List<Finding> checkOutParameters(MethodNode kernel, Map<Integer, AbstractInsnNode> stored) {
        List<Finding> findings = new ArrayList<>();
        Type[] params = Type.getArgumentTypes(kernel.desc);
        for (int i = 0; i < params.length; i++) {
            String name = Bytecode.parameterName(kernel, i);
            boolean out = isOut(kernel, i);
            AbstractInsnNode store = stored.get(i);
            if (out && params[i].getSort() != Type.ARRAY) {
                findings.add(new Finding(Rule.OUT, "@Out on parameter " + name + ", which is not an array"));
            } else if (out && store == null) {
                findings.add(new Finding(Rule.OUT, "@Out parameter " + name + " is never stored to"));
            } else if (!out && store != null) {
                findings.add(new Finding(Rule.OUT, "parameter " + name + " is not @Out but "
                        + Bytecode.describe(kernel, store) + " stores to it"));
            }
        }
        return findings;
    }

    private static boolean isOut(MethodNode method, int parameter) {
        List<AnnotationNode>[] annotations = method.visibleParameterAnnotations;
        return annotations != null && parameter < annotations.length && annotations[parameter] != null
                && annotations[parameter].stream().anyMatch(a -> OUT_DESCRIPTOR.equals(a.desc));
    }

    /**
     * The rule that {@code insn} breaks on its own, or null. Calls to kernel classes are allowed here;
     * the checker follows them as helpers.
     */
    static Rule ruleBrokenBy(AbstractInsnNode insn, FieldResolver fields) {
        int op = insn.getOpcode();
        if (FORBIDDEN_ALLOCATIONS.contains(op)) {
            return Rule.ALLOCATION;
        }
        if (op == Opcodes.NEWARRAY) {
            return isConstantInt(Bytecode.previous(insn)) ? null : Rule.ALLOCATION;
        }
        if (op == Opcodes.ATHROW) {
            return Rule.THROW;
        }
        if (op == Opcodes.MONITORENTER || op == Opcodes.MONITOREXIT) {
            return Rule.MONITOR;
        }
        if (op == Opcodes.ARRAYLENGTH) {
            return Rule.ARRAY_LENGTH;
        }
        if (FORBIDDEN_FIELD_ACCESSES.contains(op)) {
            return Rule.FIELD;
        }
        if (op == Opcodes.GETSTATIC) {
            return isConstantField(fields.resolve((FieldInsnNode) insn)) ? null : Rule.FIELD;
        }
        if (op == Opcodes.LDC) {
            return ((LdcInsnNode) insn).cst instanceof Number ? null : Rule.CONSTANT;
        }
        if (FORBIDDEN_CALLS.contains(op)) {
            return Rule.CALL;
        }
        if (op == Opcodes.INVOKESPECIAL) {
            return "<init>".equals(((MethodInsnNode) insn).name) ? null : Rule.CALL;
        }
        if (op == Opcodes.INVOKESTATIC) {
            MethodInsnNode call = (MethodInsnNode) insn;
            return isKernelClass(call.owner) || isAllowedLibraryCall(call) ? null : Rule.CALL;
        }
        return null;
    }

    private static boolean isAllowedLibraryCall(MethodInsnNode call) {
        Set<String> allowed = ALLOWED_LIBRARY_CALLS.getOrDefault(call.owner, Set.of());
        return allowed.contains(call.name) || allowed.contains(call.name + call.desc);
    }

    private static boolean isConstantField(FieldNode field) {
        int flags = Opcodes.ACC_STATIC | Opcodes.ACC_FINAL;
        return field != null && (field.access & flags) == flags && isScalar(Type.getType(field.desc));
    }

    /** Instructions that push an int constant; javac has already folded constant expressions. */
    private static boolean isConstantInt(AbstractInsnNode insn) {
        if (insn == null) {
            return false;
        }
        int op = insn.getOpcode();
        return (op >= Opcodes.ICONST_M1 && op <= Opcodes.ICONST_5)
                || op == Opcodes.BIPUSH || op == Opcodes.SIPUSH
                || op == Opcodes.LDC && ((LdcInsnNode) insn).cst instanceof Integer;
    }

    private static boolean isScalar(Type type) {
        return type.getSort() >= Type.BOOLEAN && type.getSort() <= Type.DOUBLE;
    }
}
