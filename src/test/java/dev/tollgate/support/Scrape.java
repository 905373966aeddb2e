package dev.tollgate.support;

/** Reading a Prometheus text scrape in tests. */
public final class Scrape {

    private Scrape() {}

    /** The value of one series, named exactly as the scrape writes it (name and labels); fails when absent. */
    public static double value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        }
        throw new AssertionError("no series " + series + " in:\n" + scrape);
    }
}
