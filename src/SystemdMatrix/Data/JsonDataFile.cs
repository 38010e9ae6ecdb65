using System.Text.Json;
using System.Text.Json.Serialization;

namespace SystemdMatrix.Data;

/// <summary>
/// The one way the project's hand-edited JSON files (the image manifest, the matrices, the signature catalogue) are
/// read: comments and trailing commas are allowed, a key the file's shape does not know is an error, and so is a key
/// given twice (left to the serializer, the last one would silently win: two matrices of one name, say). A malformed
/// file is reported with its path, line and where in the document, as the file's own exception.
/// </summary>
public static class JsonDataFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>The file's text, or <paramref name="error"/> naming it when it does not exist.</summary>
    public static string Read(string path, string what, Func<string, Exception> error) =>
        File.Exists(path) ? File.ReadAllText(path) : throw error($"{path}: the {what} does not exist");

    /// <summary>A data file built into the library (under its logical name), for data the tool ships with.</summary>
    public static string ReadEmbedded(string logicalName)
    {
        using var stream = typeof(JsonDataFile).Assembly.GetManifestResourceStream(logicalName)
            ?? throw new InvalidOperationException($"{logicalName} is not embedded in the library");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The document as <typeparamref name="T"/>; <paramref name="error"/> makes the file's own exception from a message.</summary>
    public static T Parse<T>(string json, string source, string what, Func<string, Exception> error)
        where T : class
    {
        T? document;
        try
        {
            document = JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 1 } ? $" at {ex.Path.TrimStart('$', '.')}" : string.Empty;
            var line = ex.LineNumber is { } l ? $" (line {l + 1})" : string.Empty;
            throw error($"{source}{line}: malformed {what}{where}: {FirstSentence(ex.Message)}");
        }

        return document ?? throw error($"{source}: the {what} is empty");
    }

    /// <summary>The serializer's message without the path and position it repeats after the first sentence.</summary>
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
