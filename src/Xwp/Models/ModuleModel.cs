using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>A TorchSharp module (or a loaded TorchScript module) as an <see cref="ExplainableModel"/>; the module stays the caller's.</summary>
internal sealed class ModuleModel : ExplainableModel
{
    private readonly nn.IModule<Tensor, Tensor> _module;
    private readonly long[]? _inputShape;

    public ModuleModel(nn.IModule<Tensor, Tensor> module, ModelOutput output, long[]? inputShape)
    {
        _module = module;
        Output = output;
        _inputShape = inputShape;
        Structure = module is Sequential sequential
            ? ModelStructure.Chain(sequential.children().Cast<nn.Module<Tensor, Tensor>>())
            : ModelStructure.Opaque;
    }

    public override ModelOutput Output { get; }

    public override Device Device => (_module as nn.Module)?.parameters().FirstOrDefault()?.device ?? CPU;

    public override IReadOnlyList<long>? InputShape => _inputShape;

    public override ModelStructure Structure { get; }

    public override Tensor Forward(Tensor inputs) => _module.call(inputs);

    internal override nn.Module? ParameterModule => _module as nn.Module;

    internal override string Subject => $"The module ({_module.GetType().Name})";

    /// <exception cref="InvalidOperationException">The module has a BatchNorm layer without running statistics (see <see cref="BatchStatistics"/>).</exception>
    internal override IDisposable BeginExplaining()
    {
        if (_module is not nn.Module module)
        {
            return base.BeginExplaining();
        }

        var batchStatistics = BatchStatistics.InModule(module);
        if (batchStatistics.Count > 0)
        {
            throw BatchStatistics.Refusal(Subject, batchStatistics);
        }

        return new EvalMode(module);
    }
}
