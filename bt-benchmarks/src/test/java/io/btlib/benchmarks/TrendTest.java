package io.btlib.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TrendTest {

  private static double[] times(int n, double step) {
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      t[i] = i * step;
    }
    return t;
  }

  @Test
  void aStraightLineHasItsSlopeAndNoStandardError() {
    double[] t = times(11, 10); // 0..100 s
    double[] v = new double[11];
    for (int i = 0; i < 11; i++) {
      v[i] = 1000 + 2 * t[i];
    }
    Trend tr = Trend.fit(t, v, 0, 0.05, 1);
    assertThat(tr.slope()).isCloseTo(2, within(1e-9));
    assertThat(tr.window()).isEqualTo(100);
    assertThat(tr.rise()).isCloseTo(200, within(1e-9));
    assertThat(tr.stdErrRise()).isCloseTo(0, within(1e-9));
    assertThat(tr.mean()).isCloseTo(1100, within(1e-9));
    assertThat(tr.band()).isCloseTo(55, within(1e-9)); // 5% of the mean beats the floor
    assertThat(tr.verdict()).isEqualTo(Trend.Verdict.GROWING);
  }

  @Test
  void theWarmUpIsLeftOutOfTheFit() {
    double[] t = times(10, 1); // 0..9 s; the first 20% (before 1.8 s) is warm-up
    double[] v = {0, 50, 100, 100, 100, 100, 100, 100, 100, 100};
    Trend tr = Trend.fit(t, v, 0.2, 0.05, 1);
    assertThat(tr.samples()).isEqualTo(8);
    assertThat(tr.first()).isEqualTo(100);
    assertThat(tr.slope()).isCloseTo(0, within(1e-12));
    assertThat(tr.verdict()).isEqualTo(Trend.Verdict.FLAT);
  }

  @Test
  void aSteadyRiseWithinTheBandIsFlat() {
    double[] t = times(100, 1);
    double[] v = new double[100];
    for (int i = 0; i < 100; i++) {
      v[i] = 1000 + 0.3 * t[i]; // +30 over the run: 3% of the mean, within 5%
    }
    Trend tr = Trend.fit(t, v, 0, 0.05, 1);
    assertThat(tr.rise()).isCloseTo(29.7, within(1e-9));
    assertThat(tr.verdict()).isEqualTo(Trend.Verdict.FLAT);
  }

  @Test
  void noiseWithoutATrendIsFlatEvenWhenItsFitRisesBeyondTheBand() {
    Random r = new Random(7);
    double[] t = times(40, 5);
    double[] v = new double[40];
    for (int i = 0; i < 40; i++) {
      v[i] = 20 + (r.nextBoolean() ? 15 : -15); // connections coming and going
    }
    Trend tr = Trend.fit(t, v, 0, 0.05, 1);
    assertThat(Math.abs(tr.rise())).isLessThan(Trend.SIGMAS * tr.stdErrRise());
    assertThat(tr.verdict()).isEqualTo(Trend.Verdict.FLAT);
  }

  @Test
  void aLeakUnderNoiseIsGrowing() {
    Random r = new Random(7);
    double[] t = times(200, 5);
    double[] v = new double[200];
    for (int i = 0; i < 200; i++) {
      v[i] = 100 + 0.2 * t[i] + (r.nextBoolean() ? 15 : -15); // one thread every 5 s, say
    }
    Trend tr = Trend.fit(t, v, 0.2, 0.05, 2);
    assertThat(tr.slope()).isCloseTo(0.2, within(0.02));
    assertThat(tr.verdict()).isEqualTo(Trend.Verdict.GROWING);
  }

  @Test
  void aFallingSeriesIsFlat() {
    double[] t = times(10, 1);
    double[] v = {100, 90, 80, 70, 60, 50, 40, 30, 20, 10};
    assertThat(Trend.fit(t, v, 0, 0.05, 1).verdict()).isEqualTo(Trend.Verdict.FLAT);
  }

  @Test
  void aSeriesNearZeroNeedsToRiseBeyondTheFloor() {
    double[] t = times(10, 1);
    double[] v = {0, 0, 1, 1, 1, 2, 2, 2, 3, 3}; // +3 descriptors: a steady rise, under 4
    assertThat(Trend.fit(t, v, 0, 0.05, 4).verdict()).isEqualTo(Trend.Verdict.FLAT);
    assertThat(Trend.fit(t, v, 0, 0.05, 2).verdict()).isEqualTo(Trend.Verdict.GROWING);
  }

  @Test
  void tooFewSamplesGiveNoVerdict() {
    assertThat(Trend.fit(new double[0], new double[0], 0.2, 0.05, 1).verdict())
        .isEqualTo(Trend.Verdict.TOO_SHORT);
    assertThat(Trend.fit(new double[] {0, 1}, new double[] {0, 100}, 0, 0.05, 1).verdict())
        .isEqualTo(Trend.Verdict.TOO_SHORT);
  }

  @Test
  void timesAndValuesMustPair() {
    assertThatThrownBy(() -> Trend.fit(new double[2], new double[3], 0, 0.05, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("times and values differ in length: 2 vs 3");
  }
}
