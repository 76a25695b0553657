namespace Xwp.Plotting;

/// <summary>How <see cref="WeightPatternGrid.SelectNeurons"/> ranks neurons by the Euclidean norm of their incoming weights.</summary>
public enum NeuronRanking
{
    /// <summary>Largest norm first: the neurons with the strongest patterns.</summary>
    LargestNorm,

    /// <summary>Smallest norm first: the near-neutral neurons (the "pattern absence" cases of the paper's Figure 2).</summary>
    SmallestNorm,
}
