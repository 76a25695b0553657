namespace Xwp;

/// <summary>
/// Options of Layer-wise Relevance Propagation (Bach et al., 2015, "On pixel-wise explanations for
/// non-linear classifier decisions by layer-wise relevance propagation"). Relevance starts as the
/// target's pre-softmax score (logit) and flows back through the linear (and convolutional) layers by a
/// rule per layer; ReLU, LeakyReLU and Dropout pass it through unchanged, pooling and BatchNorm use the
/// ε-rule. Works on an <see cref="Fcnn"/> and on <c>nn.Sequential</c> chains of known layers, built in TorchSharp
/// (<see cref="ExplainableModel.FromModule"/>) or scripted in PyTorch (<see cref="TorchScriptModel.Load"/>).
/// </summary>
public sealed record LrpOptions
{
    /// <summary>The default ε of the ε-rule, 1e-9 (Captum's).</summary>
    public const double DefaultEpsilon = 1e-9;

    /// <summary>The rule of every linear layer not named in <see cref="LayerRules"/>; default <see cref="LrpRule.Epsilon"/>.</summary>
    public LrpRule Rule { get; init; } = LrpRule.Epsilon;

    /// <summary>The ε-rule's stabiliser (≥ 0); default <see cref="DefaultEpsilon"/>.</summary>
    public double Epsilon { get; init; } = DefaultEpsilon;

    /// <summary>
    /// A composite: the rule of individual linear layers by index (0 = the first layer, next to the
    /// input; the last is the output layer; in an <c>nn.Sequential</c> chain, Linear and Conv2d layers are
    /// counted), overriding <see cref="Rule"/>. E.g. <c>{ [0] = ZPlus }</c>
    /// with ε elsewhere. An index beyond the model's layers is an error when the method runs.
    /// Null (the default) for <see cref="Rule"/> everywhere.
    /// </summary>
    public IReadOnlyDictionary<int, LrpRule>? LayerRules { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the parameter name is the option's.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Rule))
        {
            throw new ArgumentOutOfRangeException(nameof(Rule), Rule, "Unknown LRP rule.");
        }

        if (!(Epsilon >= 0) || double.IsInfinity(Epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "ε must be a finite number ≥ 0.");
        }

        if (LayerRules is null)
        {
            return;
        }

        foreach (var (layer, rule) in LayerRules)
        {
            if (layer < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(LayerRules), layer, "Layer indices start at 0 (the first linear layer).");
            }

            if (!Enum.IsDefined(rule))
            {
                throw new ArgumentOutOfRangeException(nameof(LayerRules), rule, $"Unknown LRP rule for layer {layer}.");
            }
        }
    }
}
