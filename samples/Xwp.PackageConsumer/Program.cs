using Xwp;
using static TorchSharp.torch;

// Toy data: 16 features in [0, 1); the class is 1 when feature 0 is larger than feature 1.
using var x = rand([512, 16], generator: new Generator(1));
using var y = x.select(1, 0).gt(x.select(1, 1)).to(int64);

using var model = Fcnn.Create(new FcnnOptions { LayerSizes = [16, 8, 2], Seed = 1 });  // θ⁰ is captured here
model.Train(x, y, new TrainingOptions { Epochs = 50, LearningRate = 0.01, Seed = 2 }); // θ is captured at the end
Console.WriteLine($"Training accuracy: {model.Accuracy(x, y):P1}");

// XWP of the first input for its predicted class: a new [1, 16] tensor that you own.
using var first = x.narrow(0, 0, 1);
using Tensor map = model.Explain(first).Using(Attributions.Xwp()).Compute();
var scores = map.data<float>().ToArray();
Console.WriteLine($"XWP of features 0 and 1: {scores[0]:F4}, {scores[1]:F4}; largest of the other 14: {scores.Skip(2).Max(Math.Abs):F4}");
