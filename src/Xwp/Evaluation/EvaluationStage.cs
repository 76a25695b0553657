namespace Xwp;

/// <summary>What an evaluation run is doing when it reports progress.</summary>
public enum EvaluationStage
{
    /// <summary>Computing a method's attribution maps.</summary>
    Attributing,

    /// <summary>Scoring a method's maps with the metrics.</summary>
    Scoring,
}
