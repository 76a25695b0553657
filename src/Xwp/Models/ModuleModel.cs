using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>A TorchSharp module (or a loaded TorchScript module) as an <see cref="ExplainableModel"/>.</summary>
internal sealed class ModuleModel : ExplainableModel
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly long[]? _inputShape;

    public ModuleModel(nn.Module<Tensor, Tensor> module, ModelOutput output, long[]? inputShape)
    {
        _module = module;
        Output = output;
        _inputShape = inputShape;
        Structure = module is Sequential sequential
            ? ModelStructure.Chain(sequential.children().Cast<nn.Module<Tensor, Tensor>>())
            : ModelStructure.Opaque;
    }

    public override ModelOutput Output { get; }

    public override Device Device => _module.parameters().FirstOrDefault()?.device ?? CPU;

    public override IReadOnlyList<long>? InputShape => _inputShape;

    public override ModelStructure Structure { get; }

    public override Tensor Forward(Tensor inputs) => _module.call(inputs);

    internal override IDisposable BeginExplaining() => new EvalMode(_module);

    /// <summary>Eval mode for the duration of a run; the module's previous mode comes back on dispose.</summary>
    private sealed class EvalMode : IDisposable
    {
        private readonly nn.Module _module;
        private readonly bool _wasTraining;

        public EvalMode(nn.Module module)
        {
            _module = module;
            _wasTraining = module.training;
            module.eval();
        }

        public void Dispose()
        {
            if (_wasTraining)
            {
                _module.train();
            }
        }
    }
}
