
namespace Xwp;

/// <summary>
/// Options of Integrated Gradients (Sundararajan, Taly &amp; Yan, 2017, "Axiomatic attribution for deep
/// networks"): <c>IG_i = (x_i − x′_i) ∫₀¹ ∂f_t/∂x_i(x′ + α(x − x′)) dα</c>.
/// </summary>
public sealed record IntegratedGradientsOptions
{
    /// <summary>The default budget of temporary memory per chunk of path points: 256 MiB.</summary>
    public const long DefaultMemoryBudgetBytes = 256L << 20;

    /// <summary>
    /// The baseline x′, start of the path: <see cref="Baselines.Zero"/> (default), a constant, one tensor
    /// for every input or one per input (see <see cref="Baselines"/>).
    /// </summary>
    public Baselines Baseline { get; init; } = Baselines.Zero;

    /// <summary>Points on the path from x′ to x; default 50 (Captum's).</summary>
    public int Steps { get; init; } = 50;

    /// <summary>The integration rule; default <see cref="IntegrationRule.GaussLegendre"/> (Captum's).</summary>
    public IntegrationRule Rule { get; init; } = IntegrationRule.GaussLegendre;

    /// <summary>What f measures: softmax probabilities (default) or logits.</summary>
    public OutputSpace OutputSpace { get; init; } = OutputSpace.Probabilities;

    /// <summary>
    /// Path points (rows × steps) per forward/backward pass, as Captum's <c>internal_batch_size</c>;
    /// null (the default) chooses it from <see cref="MemoryBudgetBytes"/>. Results do not depend on it.
    /// </summary>
    public int? InternalBatchSize { get; init; }

    /// <summary>Upper bound on the temporary memory of one chunk of path points, in bytes, when <see cref="InternalBatchSize"/> is null. Default 256 MiB.</summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the parameter name is the option's.</exception>
    public void Validate()
    {
        if (Baseline is null)
        {
            throw new ArgumentOutOfRangeException(nameof(Baseline), "The baseline must not be null (use Baselines.Zero).");
        }
        if (!Enum.IsDefined(Rule))
        {
            throw new ArgumentOutOfRangeException(nameof(Rule), Rule, "Unknown integration rule.");
        }

        var minimum = Rule == IntegrationRule.RiemannTrapezoid ? 2 : 1;
        if (Steps < minimum)
        {
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"{Rule} needs at least {minimum} step(s).");
        }

        if (!Enum.IsDefined(OutputSpace))
        {
            throw new ArgumentOutOfRangeException(nameof(OutputSpace), OutputSpace, "Unknown output space.");
        }

        if (InternalBatchSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(InternalBatchSize), InternalBatchSize, "The internal batch size must be at least 1.");
        }

        if (MemoryBudgetBytes < 1 << 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), MemoryBudgetBytes, "The memory budget must be at least 64 KiB.");
        }
    }
}
