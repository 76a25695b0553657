using System.Text;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xwp.Data;
using static TorchSharp.torch;

namespace Xwp.Tests.Data;

public sealed class TmnistCsvTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xwp-tmnist-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text, string name = "TMNIST_Data.csv")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Reads_fonts_labels_and_pixels_in_file_order()
    {
        var path = Write(DataFiles.Csv("Alpha-Regular", "Beta-Bold"));
        using var data = Datasets.Tmnist(path, DatasetSplit.All);
        data.Name.Should().Be("TMNIST");
        data.Images.shape.Should().Equal(20, 784);
        data.Labels.data<long>().ToArray().Should().Equal([.. Enumerable.Range(0, 10).Select(i => (long)i), .. Enumerable.Range(0, 10).Select(i => (long)i)]);
        // Row 13 is Beta-Bold's digit 3: pixel p is (3·10 + p) mod 256; p = 5 -> 35.
        data.Images[13, 5].ToSingle().Should().Be(35f / 255f);
        data.Fonts![0].Should().Be("Alpha-Regular");
        data.Fonts[19].Should().Be("Beta-Bold");
        data.FontCount.Should().Be(2);
        data.FontFamilyCount.Should().Be(2);
        data.ClassNames.Should().Equal("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        data.ClassCounts.Should().AllBeEquivalentTo(2);
        data.Source.Should().Contain(path).And.Contain("2 fonts");
    }

    [Fact]
    public void Reads_gzip_crlf_quoted_names_and_whole_decimals()
    {
        var row = DataFiles.CsvRow("\"Gamma, Inc-Italic\"", 4);
        // The first pixel written as 40.0 instead of 40.
        row = row.Replace("\",4,40,", "\",4,40.0,", StringComparison.Ordinal);
        var text = DataFiles.CsvHeader() + "\r\n" + row + "\r\n";
        var path = Path.Combine(_dir, "t.csv.gz");
        File.WriteAllBytes(path, DataFiles.Gzip(Encoding.UTF8.GetBytes(text)));
        var data = TmnistCsvReader.Read(path);
        data.Fonts.Should().Equal("Gamma, Inc-Italic");
        data.Labels.Should().Equal(4);
        data.Pixels[0].Should().Be(40);
        data.Families!["Gamma, Inc-Italic"].Should().Be("Gamma, Inc");
    }

    [Fact]
    public void Wrong_first_header_column()
    {
        var path = Write("name,labels" + DataFiles.CsvHeader()[DataFiles.CsvHeaderText.Length..] + "\n");
        var act = () => TmnistCsvReader.Read(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': the header's first column is 'name'; expected 'names'*");
    }

    [Fact]
    public void Missing_columns_in_the_header()
    {
        var header = string.Join(',', DataFiles.CsvHeader().Split(',').Take(700));
        var path = Write(header + "\n" + DataFiles.CsvRow("A-B", 1) + "\n");
        var act = () => TmnistCsvReader.Read(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': missing columns: the header has 700 columns; expected 786 (names, labels, 1…784)");
    }

    [Fact]
    public void Misnumbered_pixel_column_in_the_header()
    {
        var path = Write(DataFiles.CsvHeader().Replace(",17,", ",seventeen,", StringComparison.Ordinal) + "\n");
        var act = () => TmnistCsvReader.Read(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': header column 19 is 'seventeen'; expected '17'*");
    }

    [Fact]
    public void A_row_with_missing_fields()
    {
        var row = DataFiles.CsvRow("A-B", 1);
        row = row[..row.LastIndexOf(',')];
        var path = Write(DataFiles.CsvHeader() + "\n" + DataFiles.CsvRow("A-B", 0) + "\n" + row + "\n");
        var act = () => TmnistCsvReader.Read(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': line 3 has 785 fields; the header has 786 (names, labels, 1…784)");
    }

    [Fact]
    public void A_non_numeric_pixel_names_line_and_column()
    {
        var cells = DataFiles.CsvRow("A-B", 2).Split(',');
        cells[2 + 4] = "abc"; // pixel column '5'
        var path = Write(DataFiles.CsvHeader() + "\n" + string.Join(',', cells) + "\n");
        var act = () => TmnistCsvReader.Read(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': line 2, column '5': 'abc' is not a number");
    }

    [Theory]
    [InlineData("300", "300 is outside 0–255")]
    [InlineData("-1", "-1 is outside 0–255")]
    [InlineData("12.5", "12.5 is not a whole number in 0–255")]
    [InlineData("NaN", "'NaN' is not a number")]
    public void A_pixel_out_of_range(string value, string problem)
    {
        var cells = DataFiles.CsvRow("A-B", 2).Split(',');
        cells[2 + 9] = value; // pixel column '10'
        var path = Write(DataFiles.CsvHeader() + "\n" + string.Join(',', cells) + "\n");
        var act = () => TmnistCsvReader.Read(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': line 2, column '10': {problem}");
    }

    [Fact]
    public void A_label_out_of_range()
    {
        var cells = DataFiles.CsvRow("A-B", 2).Split(',');
        cells[1] = "10";
        var path = Write(DataFiles.CsvHeader() + "\n" + string.Join(',', cells) + "\n");
        var act = () => TmnistCsvReader.Read(path);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': line 2, column 'labels': 10 is outside 0–9");
    }

    [Fact]
    public void Empty_and_header_only_files()
    {
        var empty = Write(string.Empty, "empty.csv");
        var act = () => TmnistCsvReader.Read(empty);
        act.Should().Throw<XwpDataException>().WithMessage($"'{empty}': empty; expected the header 'names,labels,1,…,784'");

        var headerOnly = Write(DataFiles.CsvHeader() + "\n", "header.csv");
        act = () => TmnistCsvReader.Read(headerOnly);
        act.Should().Throw<XwpDataException>().WithMessage($"'{headerOnly}': has a header but no rows");
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(_dir, "nope.csv");
        var act = () => Datasets.Tmnist(path, DatasetSplit.All);
        act.Should().Throw<XwpDataException>().WithMessage($"'{path}': file not found.");
    }

    [Fact]
    public void The_split_by_font_puts_no_font_in_both_parts_and_keeps_file_order()
    {
        var fonts = Enumerable.Range(0, 10).Select(i => $"Font{i}-Regular").ToArray();
        var path = Write(DataFiles.Csv(fonts));
        var options = new DigitDatasetOptions { TestFraction = 0.3, Seed = 7 };
        using var train = Datasets.Tmnist(path, DatasetSplit.Train, options);
        using var test = Datasets.Tmnist(path, DatasetSplit.Test, options);
        using var all = Datasets.Tmnist(path, DatasetSplit.All, options);

        train.Fonts!.Intersect(test.Fonts!).Should().BeEmpty();
        train.FontCount.Should().Be(7);
        test.FontCount.Should().Be(3);
        (train.Count + test.Count).Should().Be(all.Count);
        test.ClassCounts.Should().AllBeEquivalentTo(3, "every font brings all ten digits");
        // Rows keep their file order within each part.
        var order = all.Fonts!.Select((f, i) => (f, i)).ToList();
        var trainRows = order.Where(r => !test.Fonts!.Contains(r.f)).Select(r => r.f).ToList();
        train.Fonts.Should().Equal(trainRows);
        test.Source.Should().Contain("test fonts of the split by font (test fraction 0.3, seed 7)");

        using var again = Datasets.Tmnist(path, DatasetSplit.Test, options);
        again.Fonts.Should().Equal(test.Fonts, "the same seed gives the same split");
        var seeds = Enumerable.Range(0, 8)
            .Select(s => string.Join(",", FontSplit.TestFonts(fonts, 0.3, s).Order(StringComparer.Ordinal)))
            .Distinct().Count();
        seeds.Should().BeGreaterThan(1, "different seeds give different splits");
    }

    [Fact]
    public void The_split_is_fixed_for_a_given_seed_whatever_the_input_order()
    {
        var fonts = Enumerable.Range(0, 6).Select(i => $"F{i}").ToArray();
        var forward = FontSplit.TestFonts(fonts, 0.5, 3);
        var backward = FontSplit.TestFonts(fonts.Reverse(), 0.5, 3);
        forward.Should().BeEquivalentTo(backward);
        forward.Should().HaveCount(3);
        // At least one font on each side, even for extreme fractions.
        FontSplit.TestFonts(fonts, 0.01, 0).Should().HaveCount(1);
        FontSplit.TestFonts(fonts, 0.99, 0).Should().HaveCount(5);
        var act = () => FontSplit.TestFonts(["Only"], 0.5, 0);
        act.Should().Throw<XwpDataException>().WithMessage("*at least two fonts*has 1*");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Bad_test_fractions_are_rejected_naming_the_option(double fraction)
    {
        var act = () => new DigitDatasetOptions { TestFraction = fraction }.Validate();
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("TestFraction");
        var path = Write(DataFiles.Csv("A-B", "C-D"));
        var load = () => Datasets.Tmnist(path, DatasetSplit.Train, new DigitDatasetOptions { TestFraction = fraction });
        load.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("TestFraction");
    }

    [Fact]
    public void Other_bad_options_are_rejected_naming_the_option()
    {
        var act = () => new DigitDatasetOptions { MinimumRenderedFonts = 0 }.Validate();
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("MinimumRenderedFonts");
        act = () => new DigitDatasetOptions { FontDirectories = [" "] }.Validate();
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("FontDirectories");
        var split = () => Datasets.EmbeddedTmnistStyle((DatasetSplit)7);
        split.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("split");
    }
}
