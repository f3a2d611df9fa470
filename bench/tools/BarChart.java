import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Grouped bar chart for bench/compare-all.sh, with no dependency beyond the JDK:
 * {@code java -Djava.awt.headless=true BarChart.java DATA.tsv OUT.png TITLE [SUBTITLE]}.
 *
 * <p>DATA.tsv has one bar per line: {@code panel TAB group TAB series TAB value}, where value is a number or
 * {@code error}. Each panel (one per unit: msgs/s, connections/s, KiB/connection) gets its own y axis; groups
 * are scenarios, series are servers. Panels, groups and series keep the order of their first appearance.
 */
public final class BarChart {
    private static int WIDTH = 1400;
    private static final int PANEL_HEIGHT = 380, TOP = 70, MARGIN_LEFT = 90, MARGIN_RIGHT = 30;

    private static Color colorOf(String series) {
        return switch (series) {
            case "Keel" -> new Color(0x1f4e9c);
            case "Keel-openssl" -> new Color(0x3b78d8);
            case "Keel-jdk" -> new Color(0x8fb4ee);
            case "Netty-best" -> new Color(0xe06c00);
            case "Netty-default" -> new Color(0xf5b26b);
            case "Keel-before" -> new Color(0x5c5c7a);
            case "Keel-before-openssl" -> new Color(0x8a8aa8);
            case "Keel-before-jdk" -> new Color(0xc2c2d6);
            case "uWS" -> new Color(0x2e9e4f);
            default -> new Color(Math.abs(series.hashCode()) & 0xffffff).darker();
        };
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: java BarChart.java DATA.tsv OUT.png TITLE [SUBTITLE]");
            System.exit(2);
        }
        Map<String, Map<String, Map<String, Double>>> panels = new LinkedHashMap<>(); // panel -> group -> series -> value (NaN = error)
        List<String> allSeries = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t");
            if (f.length < 4) throw new IllegalArgumentException("bad line: " + line);
            double v;
            try { v = Double.parseDouble(f[3]); } catch (NumberFormatException e) { v = Double.NaN; }
            panels.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).computeIfAbsent(f[1], k -> new LinkedHashMap<>()).put(f[2], v);
            if (!allSeries.contains(f[2])) allSeries.add(f[2]);
        }
        List<String> order = List.of("Keel", "Keel-openssl", "Keel-jdk", "Keel-before", "Keel-before-openssl",
                "Keel-before-jdk", "Netty-best", "Netty-default", "uWS");
        allSeries.sort(java.util.Comparator.comparingInt(s -> order.indexOf(s) < 0 ? order.size() : order.indexOf(s)));
        int bars = 0; // the widest panel decides the width: about 46 px per bar, so that the value labels do not overlap
        for (var groups : panels.values()) {
            int n = 0;
            for (var g : groups.values()) n += g.size();
            bars = Math.max(bars, n);
        }
        WIDTH = Math.max(WIDTH, MARGIN_LEFT + MARGIN_RIGHT + (int) Math.ceil(bars * 46 / 0.8));
        int height = TOP + Math.max(1, panels.size()) * PANEL_HEIGHT + 50;
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
        centered(g, args[2], WIDTH / 2, 30);
        if (args.length > 3) {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.setColor(Color.DARK_GRAY);
            centered(g, args[3], WIDTH / 2, 52);
        }

        int y0 = TOP;
        for (var panel : panels.entrySet()) {
            drawPanel(g, panel.getKey(), panel.getValue(), y0);
            y0 += PANEL_HEIGHT;
        }

        // legend
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        FontMetrics fm = g.getFontMetrics();
        int total = 0;
        for (String s : allSeries) total += 18 + 6 + fm.stringWidth(s) + 24;
        int x = (WIDTH - total) / 2, y = height - 25;
        for (String s : allSeries) {
            g.setColor(colorOf(s));
            g.fillRect(x, y - 13, 18, 14);
            g.setColor(Color.BLACK);
            g.drawString(s, x + 24, y);
            x += 18 + 6 + fm.stringWidth(s) + 24;
        }
        g.dispose();
        File out = new File(args[1]);
        if (!ImageIO.write(img, "png", out)) throw new IllegalStateException("no PNG writer");
    }

    private static void drawPanel(Graphics2D g, String title, Map<String, Map<String, Double>> groups, int y0) {
        int plotTop = y0 + 40, plotBottom = y0 + PANEL_HEIGHT - 60;
        int plotLeft = MARGIN_LEFT, plotRight = WIDTH - MARGIN_RIGHT;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, plotLeft, y0 + 22);

        double max = 0;
        for (var s : groups.values()) for (double v : s.values()) if (!Double.isNaN(v)) max = Math.max(max, v);
        double step = niceStep(max > 0 ? max : 1);
        double top = Math.ceil((max > 0 ? max * 1.12 : 1) / step) * step;

        // grid and y labels
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double t = 0; t <= top + step / 2; t += step) {
            int y = plotBottom - (int) Math.round(t / top * (plotBottom - plotTop));
            g.setColor(new Color(0xe4e4e4));
            g.drawLine(plotLeft, y, plotRight, y);
            g.setColor(Color.DARK_GRAY);
            String label = human(t);
            g.drawString(label, plotLeft - 8 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(plotLeft, plotBottom, plotRight, plotBottom);
        g.drawLine(plotLeft, plotTop, plotLeft, plotBottom);

        int n = groups.size();
        double groupWidth = (double) (plotRight - plotLeft) / Math.max(1, n);
        int gi = 0;
        for (var group : groups.entrySet()) {
            Map<String, Double> bars = group.getValue();
            int k = bars.size();
            double inner = groupWidth * 0.8, barW = Math.min(70, inner / Math.max(1, k));
            double startX = plotLeft + gi * groupWidth + (groupWidth - barW * k) / 2;
            int bi = 0;
            for (var bar : bars.entrySet()) {
                int x = (int) Math.round(startX + bi * barW);
                int w = (int) Math.round(barW) - 4;
                double v = bar.getValue();
                g.setFont(new Font(Font.SANS_SERIF, Double.isNaN(v) ? Font.BOLD : Font.PLAIN, Double.isNaN(v) ? 13 : 11));
                if (Double.isNaN(v)) {
                    g.setColor(new Color(0xc00000));
                    vertical(g, "error", x + w / 2, plotBottom - 6);
                } else {
                    int h = (int) Math.round(v / top * (plotBottom - plotTop));
                    g.setColor(colorOf(bar.getKey()));
                    g.fillRect(x, plotBottom - h, w, h);
                    g.setColor(Color.BLACK);
                    centered(g, human(v), x + w / 2, plotBottom - h - 4);
                }
                bi++;
            }
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            centered(g, group.getKey(), (int) Math.round(plotLeft + gi * groupWidth + groupWidth / 2), plotBottom + 20);
            gi++;
        }
    }

    private static double niceStep(double max) {
        double raw = max / 5, mag = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / mag;
        return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
    }

    private static String human(double v) {
        if (v >= 1e6) return trim(String.format(Locale.ROOT, "%.2f", v / 1e6)) + "M";
        if (v >= 1e4) return trim(String.format(Locale.ROOT, "%.1f", v / 1e3)) + "k";
        if (v >= 100) return String.format(Locale.ROOT, "%.0f", v);
        return trim(String.format(Locale.ROOT, "%.1f", v));
    }

    private static String trim(String s) {
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    private static void vertical(Graphics2D g, String s, int cx, int bottom) {
        var old = g.getTransform();
        g.rotate(-Math.PI / 2, cx, bottom);
        g.drawString(s, cx, bottom + 4);
        g.setTransform(old);
    }
}
