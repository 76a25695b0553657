using static TorchSharp.torch;

namespace Xwp.Models;

/// <summary>Eval mode for the duration of a run; the module's previous mode comes back on dispose.</summary>
internal sealed class EvalMode : IDisposable
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
