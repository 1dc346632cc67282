package dev.scalegram.bench;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Zipf-distributed ranks 0 .. n-1: rank k is drawn with probability proportional to 1 / (k + 1)^s, so rank 0 is the
 * most popular. Rejection-inversion sampling (Hörmann and Derflinger, 1996): constant memory and a few
 * logarithms per draw whatever n is, so a million ranks cost nothing to set up. The sequence is fixed by the seed.
 */
final class Zipf {

    private final int n;
    private final double s;
    private final RandomGenerator random;
    private final double hIntegralX1;
    private final double hIntegralN;
    private final double squeeze;

    /** @param s the exponent, 0 (uniform) or more; 1.0 is the classic curve */
    Zipf(int n, double s, long seed) {
        this(n, s, new SplittableRandom(seed));
    }

    Zipf(int n, double s, RandomGenerator random) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, not " + n);
        }
        if (!(s >= 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("the exponent must be a finite number >= 0, not " + s);
        }
        this.n = n;
        this.s = s;
        this.random = random;
        // The method works on ranks 1 .. n; next() shifts to 0 .. n-1.
        this.hIntegralX1 = hIntegral(1.5) - 1;
        this.hIntegralN = hIntegral(n + 0.5);
        this.squeeze = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
    }

    int n() {
        return n;
    }

    /** The next rank, 0 .. n-1. */
    int next() {
        while (true) {
            double u = hIntegralN + random.nextDouble() * (hIntegralX1 - hIntegralN);
            double x = hIntegralInverse(u);
            int k = (int) (x + 0.5);
            if (k < 1) {
                k = 1;
            } else if (k > n) {
                k = n;
            }
            // Most draws are accepted by the cheap squeeze; the rest by comparing with the exact area under h.
            if (k - x <= squeeze || u >= hIntegral(k + 0.5) - h(k)) {
                return k - 1;
            }
        }
    }

    /** The underlying generator, for draws that go with the ranks (so one seed fixes everything). */
    RandomGenerator random() {
        return random;
    }

    // H(x) = integral of h from 1 to x, written so that s = 1 (where it becomes log x) needs no special case.
    private double hIntegral(double x) {
        double logX = Math.log(x);
        return expm1OverX((1 - s) * logX) * logX;
    }

    private double h(double x) {
        return Math.exp(-s * Math.log(x));
    }

    private double hIntegralInverse(double x) {
        double t = x * (1 - s);
        if (t < -1) {
            t = -1; // rounding can push it just below the domain's edge
        }
        return Math.exp(log1pOverX(t) * x);
    }

    private static double log1pOverX(double x) {
        return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - x * 0.25));
    }

    private static double expm1OverX(double x) {
        return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + x * 0.25));
    }
}
