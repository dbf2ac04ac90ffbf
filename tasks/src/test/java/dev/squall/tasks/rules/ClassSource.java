package dev.squall.tasks.rules;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.MethodNode;

/** Class files by internal name, parsed into ASM trees once. */
public final class ClassSource {
    private final Function<String, byte[]> reader;
    private final Map<String, Optional<ClassNode>> parsed = new HashMap<>();

    /** Classes read by {@code reader}, which returns null for a class it does not have. */
    public ClassSource(Function<String, byte[]> reader) {
        this.reader = reader;
    }

    /** Classes as {@code loader} sees them. */
    public static ClassSource of(ClassLoader loader) {
        return new ClassSource(name -> bytes(loader, name));
    }

    /** The bytes of class {@code internalName} as {@code loader} sees it, or null. */
    public static byte[] bytes(ClassLoader loader, String internalName) {
        try (InputStream in = loader.getResourceAsStream(internalName + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read class " + internalName, e);
        }
    }

    /** The class, or null when it cannot be found. */
    public ClassNode get(String internalName) {
        return parsed.computeIfAbsent(internalName, name -> {
            byte[] bytes = reader.apply(name);
            if (bytes == null) {
                return Optional.empty();
            }
            ClassNode node = new ClassNode();
            new ClassReader(bytes).accept(node, 0);
            return Optional.of(node);
        }).orElse(null);
    }

    /** The class declaring the method a call names: {@code owner} or a superclass; or null. */
    ClassNode declaringClass(String owner, String name, String desc) {
        for (ClassNode c = get(owner); c != null; c = c.superName == null ? null : get(c.superName)) {
            if (method(c, name, desc) != null) {
                return c;
            }
        }
        return null;
    }

    /** Method {@code name desc} declared in {@code c}, or null. */
    static MethodNode method(ClassNode c, String name, String desc) {
        for (MethodNode m : c.methods) {
            if (m.name.equals(name) && m.desc.equals(desc)) {
                return m;
            }
        }
        return null;
    }

    /** The field an access names: declared in {@code owner}, its interfaces or superclasses; or null. */
    FieldNode field(String owner, String name, String desc) {
        ClassNode c = get(owner);
        if (c == null) {
            return null;
        }
        for (FieldNode f : c.fields) {
            if (f.name.equals(name) && f.desc.equals(desc)) {
                return f;
            }
        }
        for (String itf : c.interfaces) {
            FieldNode f = field(itf, name, desc);
            if (f != null) {
                return f;
            }
        }
        return c.superName == null ? null : field(c.superName, name, desc);
    }
}
