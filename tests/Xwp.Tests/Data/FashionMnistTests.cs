using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Data;
using static TorchSharp.torch;

namespace Xwp.Tests.Data;

public sealed class FashionMnistTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-fashion-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_raw_and_gzip_files_scaled_to_unit_range(bool gzip)
    {
        DataFiles.WriteFashionFolder(_dir, train: 3, test: 2, gzip);

        using var train = Datasets.FashionMnist(DatasetSplit.Train, _dir);
        train.Images.shape.Should().Equal(3, 784);
        train.Images.dtype.Should().Be(ScalarType.Float32);
        train.Labels.shape.Should().Equal(3);
        train.Labels.dtype.Should().Be(ScalarType.Int64);
        // Pixel p of image i is (7i + p) mod 256: image 2, pixel 300 -> 314 mod 256 = 58 -> 58/255.
        train.Images[2, 300].ToSingle().Should().Be(58f / 255f);
        train.Images[0, 255].ToSingle().Should().Be(1f);
        train.Images[0, 256].ToSingle().Should().Be(0f);
        train.Labels.data<long>().ToArray().Should().Equal(0, 1, 2);
        train.ClassNames.Should().HaveCount(10);
        train.ClassNames[0].Should().Be("T-shirt/top");
        train.ClassNames[9].Should().Be("Ankle boot");
        train.Fonts.Should().BeNull();
        train.Source.Should().Contain(_dir).And.Contain("the given path");

        using var test = Datasets.FashionMnist(DatasetSplit.Test, _dir);
        test.Labels.data<long>().ToArray().Should().Equal(9, 8);
        // Test images are 255 minus the formula: image 1, pixel 0 -> 255 - 7 = 248.
        test.Images[1, 0].ToSingle().Should().Be(248f / 255f);
    }

    [Fact]
    public void All_is_the_training_images_followed_by_the_test_images()
    {
        DataFiles.WriteFashionFolder(_dir, train: 3, test: 2, gzip: true);
        using var all = Datasets.FashionMnist(DatasetSplit.All, _dir);
        using var train = Datasets.FashionMnist(DatasetSplit.Train, _dir);
        using var test = Datasets.FashionMnist(DatasetSplit.Test, _dir);
        all.Count.Should().Be(5);
        all.Labels.data<long>().ToArray().Should().Equal(0, 1, 2, 9, 8);
        using var joined = cat([train.Images, test.Images], 0);
        all.Images.allclose(joined, rtol: 0, atol: 0).Should().BeTrue();
        all.ClassCounts.Should().Equal(1, 1, 1, 0, 0, 0, 0, 0, 1, 1);
    }

    [Fact]
    public void The_environment_variable_names_the_folder_when_no_path_is_given()
    {
        DataFiles.WriteFashionFolder(_dir, train: 2, test: 1, gzip: false);
        var old = Environment.GetEnvironmentVariable(Datasets.FashionMnistEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(Datasets.FashionMnistEnvironmentVariable, _dir);
            using var test = Datasets.FashionMnist(DatasetSplit.Test);
            test.Count.Should().Be(1);
            test.Source.Should().Contain("XWP_FASHION_MNIST");
            Datasets.IsFashionMnistAvailable().Should().BeTrue();

            Environment.SetEnvironmentVariable(Datasets.FashionMnistEnvironmentVariable, Path.Combine(_dir, "nowhere"));
            var act = () => Datasets.FashionMnist(DatasetSplit.Test);
            act.Should().Throw<XwpDataException>().WithMessage("*nowhere*XWP_FASHION_MNIST*folder not found*");
            Datasets.IsFashionMnistAvailable().Should().BeFalse();
        }
        finally
        {
            Environment.SetEnvironmentVariable(Datasets.FashionMnistEnvironmentVariable, old);
        }
    }

    [Fact]
    public void A_folder_without_the_files_is_reported_with_the_missing_file()
    {
        var act = () => Datasets.FashionMnist(DatasetSplit.Train, _dir);
        act.Should().Throw<XwpDataException>().WithMessage($"*'{_dir}': has neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz*");
        Datasets.IsFashionMnistAvailable(_dir).Should().BeFalse();
    }

    [Fact]
    public void Truncated_gzip_is_reported_with_the_file()
    {
        DataFiles.WriteFashionFolder(_dir, train: 4, test: 1, gzip: true);
        var path = Path.Combine(_dir, "train-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var act = () => Datasets.FashionMnist(DatasetSplit.Train, _dir);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': *truncated*");
    }

    [Fact]
    public void Truncated_raw_images_say_how_much_data_there_was()
    {
        DataFiles.WriteFashionFolder(_dir, train: 2, test: 1, gzip: false);
        var path = Path.Combine(_dir, "train-images-idx3-ubyte");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(16 + 784 + 100)]);
        var act = () => Datasets.FashionMnist(DatasetSplit.Train, _dir);
        act.Should().Throw<XwpDataException>()
            .WithMessage($"'{path}': truncated: the header announces 2 images of 28×28 pixels (1568 bytes) but the data ends after 884 bytes");
    }

    [Fact]
    public void Wrong_magic_says_what_was_found_and_expected()
    {
        DataFiles.WriteFashionFolder(_dir, train: 2, test: 1, gzip: false);
        var images = Path.Combine(_dir, "train-images-idx3-ubyte");
        // A labels file where the images should be.
        File.Copy(Path.Combine(_dir, "train-labels-idx1-ubyte"), images, overwrite: true);
        var act = () => Datasets.FashionMnist(DatasetSplit.Train, _dir);
        act.Should().Throw<XwpDataException>()
            .WithMessage($"'{images}': wrong magic number 0x00000801 (1 dimensions; an images file has 3); an images file starts with 0x00000803");
    }

    [Fact]
    public void Not_an_idx_file_at_all()
    {
        var path = Path.Combine(_dir, "x");
        File.WriteAllText(path, "PK\u0003\u0004 hello");
        var act = () => IdxReader.ReadLabels(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': wrong magic number 0x504B0304 (not an IDX file); a labels file starts with 0x00000801");
    }

    [Fact]
    public void Wrong_image_size_is_rejected()
    {
        var path = Path.Combine(_dir, "images");
        File.WriteAllBytes(path, DataFiles.Idx([1, 27, 28], new byte[27 * 28]));
        var act = () => IdxReader.ReadImages(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': images are 27×28 pixels; expected 28×28");
    }

    [Fact]
    public void Wrong_number_of_dimensions_is_rejected()
    {
        var path = Path.Combine(_dir, "images");
        File.WriteAllBytes(path, DataFiles.Idx([1, 784], new byte[784]));
        var act = () => IdxReader.ReadImages(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': wrong magic number 0x00000802 (2 dimensions; an images file has 3)*");
    }

    [Fact]
    public void Extra_bytes_after_the_data_are_rejected()
    {
        var path = Path.Combine(_dir, "labels.gz");
        File.WriteAllBytes(path, DataFiles.Gzip(DataFiles.Idx([2], [1, 2, 3])));
        var act = () => IdxReader.ReadLabels(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': extra bytes after the 2 labels that the header announces");
    }

    [Fact]
    public void Labels_outside_the_classes_are_rejected()
    {
        var path = Path.Combine(_dir, "labels");
        File.WriteAllBytes(path, DataFiles.Idx([3], [1, 2, 10]));
        var act = () => IdxReader.ReadLabels(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': label 10 at index 2 is outside 0–9");
    }

    [Fact]
    public void Label_and_image_counts_must_agree()
    {
        DataFiles.WriteFashionFolder(_dir, train: 3, test: 1, gzip: false);
        var labels = Path.Combine(_dir, "train-labels-idx1-ubyte");
        File.WriteAllBytes(labels, DataFiles.Idx([2], [0, 1]));
        var act = () => Datasets.FashionMnist(DatasetSplit.Train, _dir);
        act.Should().Throw<XwpDataException>()
            .WithMessage($"'{labels}': 2 labels, but '{Path.Combine(_dir, "train-images-idx3-ubyte")}' has 3 images");
    }

    [Fact]
    public void A_negative_or_impossible_count_is_rejected_before_allocating()
    {
        var path = Path.Combine(_dir, "images");
        File.WriteAllBytes(path, DataFiles.Idx([-5, 28, 28], []));
        var act = () => IdxReader.ReadImages(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': dimension 1 has a negative size (-5)");

        File.WriteAllBytes(path, DataFiles.Gzip(DataFiles.Idx([int.MaxValue / 784, 28, 28], new byte[10])));
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': truncated:*ends after 10 bytes");
    }

    [Fact]
    public void Loading_and_disposing_leaks_no_tensors()
    {
        DataFiles.WriteFashionFolder(_dir, train: 3, test: 2, gzip: true);
        using (Datasets.FashionMnist(DatasetSplit.All, _dir))
        {
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            using var data = Datasets.FashionMnist(DatasetSplit.All, _dir);
            _ = data.Images.shape;
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void A_disposed_dataset_refuses_access()
    {
        DataFiles.WriteFashionFolder(_dir, train: 1, test: 1, gzip: false);
        var data = Datasets.FashionMnist(DatasetSplit.Train, _dir);
        data.Dispose();
        var act = () => data.Images;
        act.Should().Throw<ObjectDisposedException>();
    }

    /// <summary>Runs only where Debian's dataset-fashion-mnist (or XWP_FASHION_MNIST) provides the real files.</summary>
    [SkippableFact]
    public void Smoke_test_on_the_real_Fashion_MNIST_files()
    {
        Skip.IfNot(Datasets.IsFashionMnistAvailable(),
            $"Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, or set {Datasets.FashionMnistEnvironmentVariable}).");

        using var test = Datasets.FashionMnist(DatasetSplit.Test);
        test.Images.shape.Should().Equal(10_000, 784);
        test.ClassCounts.Should().AllBeEquivalentTo(1000);
        test.Images.min().ToSingle().Should().Be(0f);
        test.Images.max().ToSingle().Should().Be(1f);
        // Fashion-MNIST's mean pixel is about 0.286.
        test.Images.mean().ToSingle().Should().BeInRange(0.27f, 0.30f);
        test.Labels[0].ToInt64().Should().Be(9, "the first test image is an ankle boot");

        using var train = Datasets.FashionMnist(DatasetSplit.Train);
        train.Count.Should().Be(60_000);
        train.ClassCounts.Should().AllBeEquivalentTo(6000);
    }
}
