Xwp.XwpRuntime.EnsureInitialized();
System.Console.WriteLine(Xwp.XwpRuntime.NativeLibraryDescription);
System.Console.WriteLine(TorchSharp.torch.ones(2).sum().item<float>());
