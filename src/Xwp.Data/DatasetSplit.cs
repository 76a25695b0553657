namespace Xwp;

/// <summary>Which part of a dataset to load.</summary>
public enum DatasetSplit
{
    /// <summary>
    /// The training part: Fashion-MNIST's 60,000 training images; for font data, the rows of the
    /// fonts that the seeded font split puts in training.
    /// </summary>
    Train,

    /// <summary>
    /// The test part: Fashion-MNIST's 10,000 test images; for font data, the rows of the held-out
    /// fonts.
    /// </summary>
    Test,

    /// <summary>Every row: training rows first, then test rows for Fashion-MNIST; file order for font data.</summary>
    All,
}
