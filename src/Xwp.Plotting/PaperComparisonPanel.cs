namespace Xwp.Plotting;

/// <summary>
/// One panel of a <see cref="PaperComparisonPlot"/>: for one metric, each method's published value (x) and ours (y),
/// in the order of the plot's labels.
/// </summary>
/// <param name="Title">The panel's title, e.g. <c>Average Drop ↑</c>.</param>
/// <param name="Reference">The published values, one per label, finite.</param>
/// <param name="Values">Our values, one per label, finite.</param>
public sealed record PaperComparisonPanel(string Title, IReadOnlyList<double> Reference, IReadOnlyList<double> Values);
