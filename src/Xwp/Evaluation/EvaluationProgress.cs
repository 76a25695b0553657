namespace Xwp;

/// <summary>How far an evaluation run has come.</summary>
/// <param name="Method">The method being worked on.</param>
/// <param name="Stage">Attributing or scoring.</param>
/// <param name="Done">Images of this method and stage done so far ((image, class) pairs while scoring an all-classes run).</param>
/// <param name="Total">Images in the run (N·C (image, class) pairs while scoring an all-classes run).</param>
/// <param name="MethodIndex">The method's position in the run, from 0.</param>
/// <param name="MethodCount">Methods in the run.</param>
public sealed record EvaluationProgress(string Method, EvaluationStage Stage, long Done, long Total, int MethodIndex, int MethodCount);
