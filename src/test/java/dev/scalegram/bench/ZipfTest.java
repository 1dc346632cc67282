package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The sampler against the exact Zipf probabilities; seeds are fixed, so these runs are the same every time. */
class ZipfTest {

    private static final int DRAWS = 400_000;

    @Test
    void frequenciesFollowTheExactDistribution() {
        for (double s : new double[] {0.0, 0.5, 1.0, 1.5, 2.5}) {
            int n = 12;
            double[] p = exact(n, s);
            long[] seen = counts(new Zipf(n, s, 7), DRAWS);
            for (int k = 0; k < n; k++) {
                double expected = p[k] * DRAWS;
                // Five standard deviations of a binomial count: a real bias of a percent or more shows, noise does not.
                double sd = Math.sqrt(DRAWS * p[k] * (1 - p[k]));
                assertTrue(Math.abs(seen[k] - expected) <= 5 * sd + 1,
                        "s=" + s + " rank " + k + ": seen " + seen[k] + ", expected " + Math.round(expected));
            }
        }
    }

    @Test
    void rankZeroIsTheMostPopularAtLargeN() {
        int n = 1_000_000;
        long[] seen = counts(new Zipf(n, 1.0, 3), DRAWS);
        double[] p = {1 / harmonic(n), 0.5 / harmonic(n)};
        assertEquals(p[0] * DRAWS, seen[0], 5 * Math.sqrt(DRAWS * p[0]));
        assertEquals(p[1] * DRAWS, seen[1], 5 * Math.sqrt(DRAWS * p[1]));
        long tail = 0;
        for (int k = n / 2; k < n; k++) {
            tail += seen[k];
        }
        // P(rank >= n/2) = (H(n) - H(n/2)) / H(n), about ln 2 / 14.4.
        double pTail = (harmonic(n) - harmonic(n / 2)) / harmonic(n);
        assertEquals(pTail * DRAWS, tail, 5 * Math.sqrt(DRAWS * pTail));
    }

    @Test
    void theSameSeedGivesTheSameRanks() {
        Zipf a = new Zipf(1000, 1.1, 42);
        Zipf b = new Zipf(1000, 1.1, 42);
        Zipf c = new Zipf(1000, 1.1, 43);
        int[] ra = new int[500];
        int[] rb = new int[500];
        int[] rc = new int[500];
        for (int i = 0; i < ra.length; i++) {
            ra[i] = a.next();
            rb[i] = b.next();
            rc[i] = c.next();
        }
        assertArrayEquals(ra, rb);
        assertTrue(!java.util.Arrays.equals(ra, rc), "another seed gives another sequence");
    }

    @Test
    void oneRankAndBadArguments() {
        Zipf one = new Zipf(1, 1.0, 1);
        for (int i = 0; i < 100; i++) {
            assertEquals(0, one.next());
        }
        assertThrows(IllegalArgumentException.class, () -> new Zipf(0, 1.0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Zipf(10, -0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Zipf(10, Double.NaN, 1));
    }

    private static long[] counts(Zipf z, int draws) {
        long[] seen = new long[z.n()];
        for (int i = 0; i < draws; i++) {
            int k = z.next();
            assertTrue(k >= 0 && k < z.n(), "rank out of range: " + k);
            seen[k]++;
        }
        return seen;
    }

    private static double[] exact(int n, double s) {
        double[] p = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            p[k] = Math.pow(k + 1, -s);
            sum += p[k];
        }
        for (int k = 0; k < n; k++) {
            p[k] /= sum;
        }
        return p;
    }

    private static double harmonic(int n) {
        double h = 0;
        for (int k = n; k >= 1; k--) {
            h += 1.0 / k;
        }
        return h;
    }
}
