package dev.squall.tasks.rules;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

import dev.squall.tasks.rules.KernelRules.Rule;

/**
 * Checks kernels against {@link KernelRules} on their bytecode, following the helpers they call. Each
 * method is analysed once per checker; a helper's violations are reported for every kernel that
 * reaches it, naming both.
 */
public final class KernelChecker {
    private final ClassSource classes;
    private final Map<String, Summary> summaries = new HashMap<>();

    /** A checker reading kernel and helper classes from {@code classes}. */
    public KernelChecker(ClassSource classes) {
        this.classes = classes;
    }

    /**
     * What one method breaks on its own, which parameters it stores into, and the helpers it calls.
     * Compared by identity: there is one per analysed method.
     */
    private static final class Summary {
        final String name;
        final List<Finding> findings;
        final Map<Integer, AbstractInsnNode> stored;
        final List<Summary> helpers;

        Summary(String name, List<Finding> findings, Map<Integer, AbstractInsnNode> stored, List<Summary> helpers) {
            this.name = name;
            this.findings = findings;
            this.stored = stored;
            this.helpers = helpers;
        }
    }

    /** The kernels of {@code c}, in declaration order. */
    public static List<MethodNode> kernels(ClassNode c) {
        return c.methods.stream().filter(KernelRules::isKernel).toList();
    }

    /** The violations of every kernel of class {@code internalName}. */
    public List<Violation> checkClass(String internalName) {
        ClassNode c = require(internalName);
        List<Violation> violations = new ArrayList<>();
        for (MethodNode kernel : kernels(c)) {
            violations.addAll(check(c, kernel));
        }
        return violations;
    }

    /** The violations of kernel {@code name} of class {@code internalName}. */
    public List<Violation> checkKernel(String internalName, String name) {
        ClassNode c = require(internalName);
        MethodNode kernel = kernels(c).stream().filter(m -> m.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no kernel " + name + " in " + internalName));
        return check(c, kernel);
    }

    private ClassNode require(String internalName) {
        ClassNode c = classes.get(internalName);
        if (c == null) {
            throw new IllegalArgumentException("class not found: " + internalName);
        }
        return c;
    }

    private List<Violation> check(ClassNode c, MethodNode kernel) {
        Summary summary = summarize(c.name, kernel, new ArrayDeque<>());
        String name = summary.name;
        List<Violation> violations = new ArrayList<>();
        List<Finding> own = new ArrayList<>(summary.findings);
        own.addAll(ParallelLoops.checkRowRange(kernel));
        own.addAll(KernelRules.checkOutParameters(kernel, summary.stored));
        own.forEach(f -> violations.add(new Violation(name, name, f.rule(), f.detail())));
        Set<Summary> seen = new HashSet<>(Set.of(summary));
        Deque<Summary> pending = new ArrayDeque<>(summary.helpers);
        while (!pending.isEmpty()) {
            Summary helper = pending.removeFirst();
            if (seen.add(helper)) {
                helper.findings.forEach(f -> violations.add(new Violation(name, helper.name, f.rule(), f.detail())));
                pending.addAll(helper.helpers);
            }
        }
        return violations;
    }

    /** Analyses a method, and first the helpers it calls; {@code callers} detects recursion. */
    private Summary summarize(String owner, MethodNode method, Deque<String> callers) {
        String key = owner + "." + method.name + method.desc;
        Summary known = summaries.get(key);
        if (known != null) {
            return known;
        }
        callers.push(key);
        List<Finding> findings = new ArrayList<>(KernelRules.checkDeclaration(method));
        findings.addAll(ParallelLoops.checkStarts(method));
        Map<MethodInsnNode, Summary> calls = new LinkedHashMap<>();
        for (AbstractInsnNode insn : method.instructions) {
            Rule rule = KernelRules.ruleBrokenBy(insn, this::resolve);
            if (rule != null) {
                findings.add(new Finding(rule, Bytecode.describe(method, insn)));
            } else if (insn instanceof MethodInsnNode call && call.getOpcode() == Opcodes.INVOKESTATIC
                    && KernelRules.isKernelClass(call.owner)) {
                summarizeCall(method, call, callers, calls, findings);
            }
        }
        Map<Integer, AbstractInsnNode> stored = ParameterFlow.storedParameters(owner, method,
                call -> calls.containsKey(call) ? calls.get(call).stored.keySet() : Set.of());
        callers.pop();
        Summary summary = new Summary(Bytecode.methodName(owner, method.name), findings, stored,
                List.copyOf(new LinkedHashSet<>(calls.values())));
        summaries.put(key, summary);
        return summary;
    }

    private void summarizeCall(MethodNode caller, MethodInsnNode call, Deque<String> callers,
                               Map<MethodInsnNode, Summary> calls, List<Finding> findings) {
        ClassNode declaring = classes.declaringClass(call.owner, call.name, call.desc);
        if (declaring == null) {
            findings.add(new Finding(Rule.CALL, Bytecode.describe(caller, call) + " cannot be read"));
        } else if (callers.contains(declaring.name + "." + call.name + call.desc)) {
            findings.add(new Finding(Rule.RECURSION, Bytecode.describe(caller, call) + " is a recursive call"));
        } else {
            MethodNode callee = ClassSource.method(declaring, call.name, call.desc);
            calls.put(call, summarize(declaring.name, callee, callers));
        }
    }

    private FieldNode resolve(FieldInsnNode insn) {
        return classes.field(insn.owner, insn.name, insn.desc);
    }
}
