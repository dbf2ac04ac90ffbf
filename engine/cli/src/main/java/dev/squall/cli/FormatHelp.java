package dev.squall.cli;

import dev.squall.engine.compress.WeightFormats;

import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;

/**
 * Help texts made from the weight-format table, as a resource bundle for picocli: {@code ${bundle:formats}} is
 * the list of written forms, and the footer of a command naming this bundle is the table (written form, bits per
 * weight, description). So help never lists the formats by hand.
 */
public final class FormatHelp extends ListResourceBundle {
    @Override
    protected Object[][] getContents() {
        List<Object[]> entries = new ArrayList<>();
        entries.add(new Object[] {"formats", WeightFormats.NAMES});
        entries.add(new Object[] {"usage.footerHeading", "%nWeight formats:%n"});
        List<String> rows = WeightFormats.table();
        for (int i = 0; i < rows.size(); i++) {
            entries.add(new Object[] {"usage.footer." + i, "  " + rows.get(i)});
        }
        return entries.toArray(Object[][]::new);
    }
}
