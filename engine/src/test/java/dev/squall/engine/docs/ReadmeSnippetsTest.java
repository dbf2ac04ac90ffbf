package dev.squall.engine.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java snippets compile as shown, against the library: each {@code ```java} block, its imports at
 * the top and its statements as the body of a method, is compiled with javac (not run: they read files the
 * reader has, such as {@code layer.npz}).
 */
class ReadmeSnippetsTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path classes;

    @Test
    void everyJavaSnippetCompiles() throws IOException {
        List<JavaFileObject> sources = new ArrayList<>();
        for (String readme : List.of("README.md", "tornado-config/README.md")) {
            Matcher m = JAVA_BLOCK.matcher(Files.readString(Checkout.root().resolve(readme)));
            while (m.find()) {
                sources.add(source("Snippet" + sources.size(), readme, m.group(1)));
            }
        }
        assertFalse(sources.isEmpty(), "no java snippets found");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        // Surefire runs the tests from a manifest-only jar; it names the real class path in this property.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        boolean ok = javac.getTask(diagnostics, null, null, List.of("-proc:none", "-classpath", classPath, "-d",
                classes.toString()), null, sources).call();
        assertTrue(ok, "README snippets do not compile:\n" + diagnostics);
        assertEquals("", diagnostics.toString());
    }

    /** A class whose imports are the snippet's and whose one method holds its other lines. */
    private static JavaFileObject source(String name, String readme, String snippet) {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : snippet.split("\n", -1)) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        String code = "package snippets;\n" + imports + "/** From " + readme + ". */\nclass " + name
                + " {\n static void run() throws Exception {\n" + body + "}\n}\n";
        return new SimpleJavaFileObject(URI.create("string:///snippets/" + name + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return code;
            }
        };
    }
}
