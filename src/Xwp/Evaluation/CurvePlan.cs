using System.Globalization;

namespace Xwp.Evaluation;

/// <summary>
/// The step schedule of a Deletion/Insertion curve for inputs with <see cref="Features"/> features:
/// <c>Counts[k]</c> features have been removed after step k (<c>Counts[0] = 0</c>), for k up to the
/// steps actually run.
/// </summary>
internal sealed class CurvePlan
{
    private CurvePlan(int features, int[] counts, int fullSteps, string stepRule)
    {
        Features = features;
        Counts = counts;
        FullSteps = fullSteps;
        StepRule = stepRule;
    }

    public int Features { get; }

    /// <summary>Cumulative counts, length <see cref="Steps"/> + 1, non-decreasing, starting at 0.</summary>
    public IReadOnlyList<int> Counts { get; }

    /// <summary>Steps run (after truncation by MaxSteps).</summary>
    public int Steps => Counts.Count - 1;

    /// <summary>Steps needed to remove every feature.</summary>
    public int FullSteps { get; }

    /// <summary>How many features one step takes, in words.</summary>
    public string StepRule { get; }

    /// <summary>The most features any one step takes.</summary>
    public int LargestStep
    {
        get
        {
            var largest = 0;
            for (var k = 1; k < Counts.Count; k++)
            {
                largest = Math.Max(largest, Counts[k] - Counts[k - 1]);
            }

            return largest;
        }
    }

    public static CurvePlan For(int features, CurveMetricOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        int fullSteps;
        Func<int, int> count;
        string rule;
        if (options.FeaturesPerStep is { } perStep)
        {
            fullSteps = (int)(((long)features + perStep - 1) / perStep);
            count = k => (int)Math.Min((long)k * perStep, features);
            rule = perStep.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            // Smallest k with round_half_up(k·f·D) ≥ D, i.e. k·f·D ≥ D − 1/2.
            var fraction = (decimal)options.StepFraction;
            fullSteps = (int)Math.Ceiling((features - 0.5m) / (fraction * features));
            count = k => Math.Min(RoundHalfUp(fraction * k * features), features);
            rule = string.Create(CultureInfo.InvariantCulture, $"{options.StepFraction:0.####%} of {features}, rounded half up per step");
        }

        var steps = Math.Min(fullSteps, options.MaxSteps ?? int.MaxValue);
        var counts = new int[steps + 1];
        for (var k = 1; k <= steps; k++)
        {
            counts[k] = count(k);
        }

        return new CurvePlan(features, counts, fullSteps, rule);
    }

    /// <summary>Round half up of a non-negative number, exactly (decimal arithmetic).</summary>
    public static int RoundHalfUp(decimal value) => (int)Math.Floor(value + 0.5m);

    /// <summary>Round half up of <c>fraction·features</c>, exactly for fractions written with few decimals.</summary>
    public static int RoundHalfUp(double fraction, int features) => RoundHalfUp((decimal)fraction * features);
}
