using Xwp.Evaluation;

namespace Xwp;

/// <summary>
/// The catalogue of faithfulness metrics (docs/methods.md#deletion-and-insertion-auc and the sections after it). Each factory validates its options and
/// returns an immutable <see cref="EvaluationMetric"/>. Directions differ — check
/// <see cref="EvaluationMetric.Direction"/>: Deletion AUC ↓, Insertion AUC ↑, Average Drop (removal) ↑,
/// Average Drop (Grad-CAM++) ↓, Increase in Confidence ↑; Sparseness ↑, Complexity ↓, Max-Sensitivity ↓,
/// randomisation |ρ| ↓ (docs/methods.md#sparseness and the sections after it).
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
    /// <summary>
    /// Sparseness (Chalasani et al., 2020; as Quantus' <c>Sparseness</c>), key <c>sparseness</c>. <b>Higher is sparser.</b>
    /// The Gini index of the absolute attributions of each map, <c>G = Σᵢ (2i − D − 1)·a₍ᵢ₎ / (D·Σ a)</c> with
    /// <c>a₍₁₎ ≤ … ≤ a₍D₎</c> the sorted <c>|aᵢ|</c>: 0 when all D features weigh the same, <c>(D − 1)/D</c> when one carries
    /// everything. Needs only the maps (the model is not run). An all-zero map scores NaN and is excluded.
    /// </summary>
    /// <returns>The metric.</returns>
    public static EvaluationMetric Sparseness() => new Sparseness();

    /// <summary>
    /// Complexity (Bhatt et al., 2020; as Quantus' <c>Complexity</c>), key <c>complexity</c>. <b>Lower is simpler.</b>
    /// The entropy (natural log) of each map's fractional contributions <c>pᵢ = |aᵢ| / Σⱼ |aⱼ|</c>,
    /// <c>H = −Σᵢ pᵢ ln pᵢ</c> (0·ln 0 = 0): 0 for one feature, <c>ln D</c> for all alike. Needs only the maps.
    /// An all-zero map scores NaN and is excluded.
    /// </summary>
    /// <returns>The metric.</returns>
    public static EvaluationMetric Complexity() => new Complexity();

    /// <summary>
    /// Max-Sensitivity (Yeh et al., 2019) as Captum's <c>sensitivity_max</c>, key <c>max_sensitivity</c>.
    /// <b>Lower is more stable.</b> Per input, S perturbations δ are drawn uniformly from the L∞ ball of radius
    /// r, the method explains each <c>x + δ</c> for the same target, and the value is
    /// <c>max_δ ‖Φ(x + δ) − Φ(x)‖₂ / ‖Φ(x)‖₂</c> (Captum's relative form; a zero norm divides by 1), or
    /// <c>max_δ ‖Φ(x + δ) − Φ(x)‖₂</c> with <see cref="MaxSensitivityOptions.Relative"/> false. Φ(x) is the map
    /// scored, so <paramref name="method"/> must be the method that made it. Costs S attributions per input.
    /// </summary>
    /// <param name="method">The attribution method that made the maps scored.</param>
    /// <param name="options">Radius, samples, seed, relative or absolute, given perturbations; null for the defaults.</param>
    /// <returns>The metric.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="method"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EvaluationMetric MaxSensitivity(AttributionMethod method, MaxSensitivityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        options ??= new MaxSensitivityOptions();
        options.Validate();
        return new MaxSensitivity(method, options);
    }

    /// <summary>
    /// The model-parameter randomisation test (Adebayo et al., 2018), cascading from the top layer, key
    /// <c>randomisation</c>. <b>Lower is better</b> (a map that depends on what the model learnt changes when
    /// the parameters do). For an <see cref="Fcnn"/> with L linear layers, step k = 1 … L redraws the trained
    /// weights and biases θ of the top k layers from <c>U(±1/√fan_in)</c> (PyTorch's <c>nn.Linear</c>
    /// initialisation, seeded per layer) and keeps θ⁰; the method explains the same inputs and targets on that
    /// model. The curve holds Spearman's |ρ| between the trained model's map and step k's map (x = k/L);
    /// the value is the mean |ρ| over the L steps. Costs L attributions per input.
    /// </summary>
    /// <param name="method">The attribution method that made the maps scored.</param>
    /// <param name="options">Seed and batch size; null for the defaults.</param>
    /// <returns>The metric. Scoring throws <see cref="NotSupportedException"/> for a model that is not an <see cref="Fcnn"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="method"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EvaluationMetric ParameterRandomisation(AttributionMethod method, ParameterRandomisationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        options ??= new ParameterRandomisationOptions();
        options.Validate();
        return new ParameterRandomisation(method, options);
    }
}
