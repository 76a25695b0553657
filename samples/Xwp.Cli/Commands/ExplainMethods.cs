namespace Xwp.Cli.Commands;

/// <summary>
/// The methods `xwp explain --method` knows, and the flags that configure them. Every flag of every
/// method is read (so scripts can pass a shared set of flags); each method uses the ones it needs.
/// </summary>
internal static partial class ExplainMethods
{
    /// <summary>Method names, as `--method` takes them.</summary>
    public static readonly IReadOnlyList<string> Names = ["xwp", "xwpc", "occlusion", "rise", "saliency", "inputxgradient", "random", "input-magnitude"];

    /// <summary>Extra usage text for the method flags.</summary>
    public const string Usage = """
          XWP/XWP^c:  [--xwpc-sign by-itself|literal] [--algorithm rank1|rowswap]

        """ + PerturbationUsage;

    /// <summary>Reads the method flags and builds the method named by <paramref name="name"/>.</summary>
    public static AttributionMethod Create(string name, OutputSpace? space, Arguments args)
    {
        var sign = args.Choice("xwpc-sign", ComplementSign.ByItself, new Dictionary<string, ComplementSign>
        {
            ["by-itself"] = ComplementSign.ByItself,
            ["literal"] = ComplementSign.Literal,
        });
        var algorithm = args.Choice("algorithm", XwpAlgorithm.Rank1, new Dictionary<string, XwpAlgorithm>
        {
            ["rank1"] = XwpAlgorithm.Rank1,
            ["rowswap"] = XwpAlgorithm.RowSwap,
        });

        var perturbation = PerturbationFlags.Read(args);
        if (CreatePerturbation(name, space, perturbation) is { } method)
        {
            return method;
        }

        return name switch
        {
            "xwp" => Attributions.Xwp(new XwpOptions { OutputSpace = space ?? OutputSpace.Probabilities, Algorithm = algorithm }),
            "xwpc" => Attributions.XwpComplement(new XwpComplementOptions { OutputSpace = space ?? OutputSpace.Probabilities, Algorithm = algorithm, Sign = sign }),
            _ => throw new UsageException($"--method must be one of {string.Join(", ", Names)}, not '{name}'."),
        };
    }
}
