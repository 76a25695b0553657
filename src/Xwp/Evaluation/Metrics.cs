using Xwp.Evaluation;

namespace Xwp;

/// <summary>
/// The catalogue of faithfulness metrics (docs/methods.md#deletion-and-insertion-auc and the sections after it). Each factory validates its options and
/// returns an immutable <see cref="EvaluationMetric"/>. Directions differ — check
/// <see cref="EvaluationMetric.Direction"/>: Deletion AUC ↓, Insertion AUC ↑, Average Drop (removal) ↑,
/// Average Drop (Grad-CAM++) ↓, Increase in Confidence ↑.
/// </summary>
public static class Metrics
{
    /// <summary>The metrics of the paper's Table 1: Average Drop (removal) and Deletion AUC, with default options.</summary>
    public static IReadOnlyList<EvaluationMetric> Paper => [AverageDrop(), DeletionAuc()];

    /// <summary>All five metrics with default options, in the order the command line lists them.</summary>
    public static IReadOnlyList<EvaluationMetric> All =>
        [DeletionAuc(), InsertionAuc(), AverageDrop(), AverageDropGradCamPlusPlus(), IncreaseInConfidence()];

    /// <summary>
    /// Deletion AUC (Petsiuk et al., 2018), key <c>deletion_auc</c>. <b>Lower is better.</b> Features are
    /// set to the removal value in decreasing order of attribution, 1% of them per step by default; the
    /// curve is the target's softmax probability before the first step and after each, and the value is
    /// its trapezoid area with x normalised to [0, 1]. The curves are kept.
    /// </summary>
    /// <param name="options">Step size, step limit, removal value, algorithm; null for the defaults.</param>
    /// <returns>The metric.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EvaluationMetric DeletionAuc(CurveMetricOptions? options = null)
    {
        options ??= new CurveMetricOptions();
        options.Validate();
        return new DeletionAuc(options);
    }

    /// <summary>
    /// Insertion AUC (Petsiuk et al., 2018), key <c>insertion_auc</c>. <b>Higher is better.</b> Starts
    /// from an input made entirely of the removal value and puts features back in decreasing order of
    /// attribution; otherwise as <see cref="DeletionAuc"/>.
    /// </summary>
    /// <param name="options">Step size, step limit, removal value, algorithm; null for the defaults.</param>
    /// <returns>The metric.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EvaluationMetric InsertionAuc(CurveMetricOptions? options = null)
    {
        options ??= new CurveMetricOptions();
        options.Validate();
        return new InsertionAuc(options);
    }

    /// <summary>
    /// Average Drop, removal variant — the paper's — key <c>average_drop</c>. <b>Higher is better.</b>
    /// The top 20% of features (by attribution) are set to the removal value;
    /// value <c>max(0, Y − O) / Y</c> per image, Y and O the target's softmax probability before and after.
    /// Not to be confused with <see cref="AverageDropGradCamPlusPlus"/>, which runs the other way.
    /// </summary>
    /// <param name="options">Fraction, removal value, the smallest Y scored; null for the defaults.</param>
    /// <returns>The metric.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EvaluationMetric AverageDrop(AverageDropOptions? options = null)
    {
        options ??= new AverageDropOptions();
        options.Validate();
        return new AverageDrop(options);
    }

    /// <summary>
    /// Average Drop, Grad-CAM++ variant (Chattopadhyay et al., 2018), key <c>average_drop_gradcampp</c>.
    /// <b>Lower is better.</b> Only the explanation is kept — the input times the map scaled to [0, 1] —
    /// and the value is <c>max(0, Y − O) / Y</c>. The opposite direction of <see cref="AverageDrop"/>.
    /// </summary>
    /// <param name="options">Map scaling, removal value, the smallest Y scored; null for the defaults.</param>
    /// <returns>The metric.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EvaluationMetric AverageDropGradCamPlusPlus(GradCamPlusPlusOptions? options = null)
    {
        options ??= new GradCamPlusPlusOptions();
        options.Validate();
        return new AverageDropGradCamPlusPlus(options);
    }

    /// <summary>
    /// Increase in Confidence (Chattopadhyay et al., 2018), key <c>increase_in_confidence</c>.
    /// <b>Higher is better.</b> With only the explanation kept (as in <see cref="AverageDropGradCamPlusPlus"/>),
    /// the fraction of images whose target probability rises (O &gt; Y).
    /// </summary>
    /// <param name="options">Map scaling and removal value; null for the defaults.</param>
    /// <returns>The metric.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EvaluationMetric IncreaseInConfidence(GradCamPlusPlusOptions? options = null)
    {
        options ??= new GradCamPlusPlusOptions();
        options.Validate();
        return new IncreaseInConfidence(options);
    }
}
