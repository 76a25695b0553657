using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Xwp.Data;

/// <summary>
/// A <see cref="FontRenderResult"/> kept on disk between processes (<see cref="DigitDatasetOptions.RenderCacheFile"/>):
/// it is reused only when the font files' paths, sizes and times and the Xwp.Data version are those it was made
/// from and its content still has the SHA-256 written with it; anything else is rendered again and rewritten.
/// </summary>
internal static class RenderCacheFile
{
    private const string Magic = "xwp-font-digits";
    private const int Format = 1;

    /// <summary>The Xwp.Data build (version and commit) that renders: another build may render differently.</summary>
    internal static string Version { get; } =
        typeof(RenderCacheFile).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The result stored in <paramref name="path"/> for <paramref name="key"/> (the font files' identity), or null when it cannot be reused.</summary>
    public static FontRenderResult? Read(string path, string key) => Read(path, key, out _);

    /// <summary>
    /// The result stored in <paramref name="path"/> for <paramref name="key"/> (the font files' identity), or null when it cannot be
    /// reused; then <paramref name="unusable"/> says why when the file exists (e.g. "changed since it was written"),
    /// and is null when there is no file.
    /// </summary>
    public static FontRenderResult? Read(string path, string key, out string? unusable)
    {
        unusable = null;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (reader.BaseStream.Length == 0)
            {
                unusable = "is empty";
                return null;
            }

            if (reader.ReadString() != Magic || reader.ReadInt32() != Format)
            {
                unusable = "is not a font-digit cache of this format";
                return null;
            }

            if (reader.ReadString() != Version)
            {
                unusable = "was written by another Xwp.Data build";
                return null;
            }

            if (reader.ReadString() != Hash(key))
            {
                unusable = "was written for other font files (paths, sizes or modification times differ) or is damaged";
                return null;
            }

            const string changed = "changed since it was written";
            var expected = reader.ReadString();
            var payload = reader.ReadBytes(checked((int)(reader.BaseStream.Length - reader.BaseStream.Position)));
            if (Convert.ToHexString(SHA256.HashData(payload)) != expected)
            {
                unusable = changed;
                return null;
            }

            using var body = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
            var files = body.ReadInt32();
            var faces = body.ReadInt32();
            var sets = new DigitSet[body.ReadInt32()];
            for (var i = 0; i < sets.Length; i++)
            {
                var name = body.ReadString();
                var family = body.ReadString();
                var file = body.ReadBoolean() ? body.ReadString() : null;
                var pixels = body.ReadBytes(DigitSet.Bytes);
                if (pixels.Length != DigitSet.Bytes)
                {
                    unusable = changed;
                    return null;
                }

                sets[i] = new DigitSet(name, family, file, pixels);
            }

            var skipped = new (string Face, string Reason)[body.ReadInt32()];
            for (var i = 0; i < skipped.Length; i++)
            {
                skipped[i] = (body.ReadString(), body.ReadString());
            }

            return new FontRenderResult(files, faces, sets, skipped);
        }
        catch (Exception e) when (e is EndOfStreamException or OverflowException or FormatException)
        {
            unusable = "is truncated or not a font-digit cache";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unusable = $"cannot be read ({e.Message})";
            return null;
        }
    }

    /// <summary>Writes <paramref name="result"/> for <paramref name="key"/> atomically; a cache that cannot be written is skipped.</summary>
    /// <returns>Whether the file was written.</returns>
    public static bool Write(string path, string key, FontRenderResult result)
    {
        using var payload = new MemoryStream();
        using (var body = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            body.Write(result.Files);
            body.Write(result.Faces);
            body.Write(result.Sets.Count);
            foreach (var set in result.Sets)
            {
                body.Write(set.Name);
                body.Write(set.Family);
                body.Write(set.File is not null);
                if (set.File is not null)
                {
                    body.Write(set.File);
                }

                body.Write(set.Pixels);
            }

            body.Write(result.Skipped.Count);
            foreach (var (face, reason) in result.Skipped)
            {
                body.Write(face);
                body.Write(reason);
            }
        }

        var bytes = payload.ToArray();
        var full = Path.GetFullPath(path);
        var temporary = full + $".{Environment.ProcessId}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using (var writer = new BinaryWriter(File.Create(temporary), Encoding.UTF8))
            {
                writer.Write(Magic);
                writer.Write(Format);
                writer.Write(Version);
                writer.Write(Hash(key));
                writer.Write(Convert.ToHexString(SHA256.HashData(bytes)));
                writer.Write(bytes);
            }

            File.Move(temporary, full, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            return false;
        }
    }

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
