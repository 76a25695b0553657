namespace Xwp;

/// <summary>What training achieved, epoch by epoch.</summary>
/// <param name="EpochLoss">Mean training cross-entropy of each epoch.</param>
/// <param name="EpochAccuracy">Training accuracy of each epoch.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
public sealed record TrainingReport(IReadOnlyList<double> EpochLoss, IReadOnlyList<double> EpochAccuracy, TimeSpan Elapsed);
