using SystemdMatrix.Data;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace SystemdMatrix.Signatures;

/// <summary>
/// One remedy: the change to make and why it works, and either the cells that prove it (<see cref="ProvenBy"/>,
/// checked against the committed results by a test) or the mark that no measured cell backs it (<see cref="Unverified"/>).
/// </summary>
public sealed record Fix(
    [property: JsonPropertyName("change")] string Change,
    [property: JsonPropertyName("why")] string Why)
{
    [JsonPropertyName("provenBy")]
    public FixClaim? ProvenBy { get; init; }

    [JsonPropertyName("unverified")]
    public bool Unverified { get; init; }

    /// <summary>The change as a reader sees it: marked when no measured cell backs it.</summary>
    [JsonIgnore]
    public string Text => Unverified ? $"(unverified) {Change}" : Change;
}

/// <summary>A known way for systemd to fail in a container.</summary>
public sealed record Signature(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("patterns")] IReadOnlyList<string> Patterns,
    [property: JsonPropertyName("explanation")] string Explanation,
    [property: JsonPropertyName("fixes")] IReadOnlyList<Fix> Fixes)
{
    /// <summary>The axis (or axes) of a cell that decide this failure, in words.</summary>
    [JsonPropertyName("axis")]
    public string Axis { get; init; } = string.Empty;
}

/// <summary>What a log says: the signature that matched and the lines that matched it.</summary>
public sealed record SignatureMatch(Signature Signature, IReadOnlyList<string> Lines);

/// <summary>
/// The failure catalogue (<c>matrix/signatures.json</c>, read from the checkout, a copy shipped inside the library). Classification is data: the
/// first signature with a pattern matching a console line wins, and a log nothing matches is <c>unknown</c>.
/// </summary>
public sealed class SignatureCatalogue
{
    public const string Unknown = "unknown";
    public const string Hung = "hung";

    private readonly IReadOnlyList<(Signature Signature, IReadOnlyList<Regex> Patterns)> _compiled;

    private SignatureCatalogue(IReadOnlyList<Signature> signatures)
    {
        Signatures = signatures;
        _compiled = signatures.Select(s => (s, (IReadOnlyList<Regex>)s.Patterns.Select(p => new Regex(p, RegexOptions.CultureInvariant)).ToList())).ToList();
    }

    public IReadOnlyList<Signature> Signatures { get; }

    public static SignatureCatalogue Default { get; } = LoadEmbedded();

    public Signature? Find(string id) => Signatures.FirstOrDefault(s => s.Id == id);

    public SignatureMatch? Classify(IReadOnlyList<string> normalisedLines)
    {
        foreach (var (signature, patterns) in _compiled)
        {
            var lines = normalisedLines.Where(line => patterns.Any(p => p.IsMatch(line))).Distinct().Take(3).ToList();
            if (lines.Count > 0)
            {
                return new SignatureMatch(signature, lines);
            }
        }

        return null;
    }

    public static SignatureCatalogue Parse(string json, string source)
    {
        var file = JsonDataFile.Parse<CatalogueFile>(json, source, "signature catalogue", m => new InvalidDataException(m));
        var errors = new List<string>();
        var signatures = file.Signatures ?? [];
        if (signatures.Count == 0)
        {
            errors.Add($"{source}: 'signatures' is missing or empty");
        }

        foreach (var (signature, index) in signatures.Select((s, i) => (s, i)))
        {
            var where = $"{source}: signatures[{index}]";
            if (string.IsNullOrWhiteSpace(signature.Id))
            {
                errors.Add($"{where}.id is missing");
            }

            if (string.IsNullOrWhiteSpace(signature.Axis))
            {
                errors.Add($"{where}.axis is missing: say which of a cell's axes decides this failure");
            }

            if (string.IsNullOrWhiteSpace(signature.Explanation))
            {
                errors.Add($"{where}.explanation is missing");
            }

            if (signature.Fixes is null || signature.Fixes.Count == 0)
            {
                errors.Add($"{where}.fixes is empty: every signature says how to get past it");
            }

            if (signature.Patterns is null || (signature.Patterns.Count == 0 && signature.Id != Hung))
            {
                errors.Add($"{where}.patterns is empty");
            }

            foreach (var (fix, f) in (signature.Fixes ?? []).Select((x, i) => (x, i)))
            {
                var at = $"{where}.fixes[{f}]";
                if (fix.ProvenBy is null == !fix.Unverified)
                {
                    errors.Add(fix.Unverified
                        ? $"{at}: both provenBy and unverified: a fix is either backed by cells or marked as not"
                        : $"{at}: neither provenBy nor unverified: name the cells that show it working, or mark it unverified");
                }

                if (fix.ProvenBy is { } claim)
                {
                    errors.AddRange(FixClaim.Problems(claim, $"{at}.provenBy"));
                }
            }

            foreach (var pattern in signature.Patterns ?? [])
            {
                try
                {
                    _ = new Regex(pattern);
                }
                catch (ArgumentException ex)
                {
                    errors.Add($"{where}.patterns: '{pattern}' is not a valid regular expression: {ex.Message}");
                }
            }
        }

        foreach (var duplicate in signatures.GroupBy(s => s.Id).Where(g => g.Count() > 1))
        {
            errors.Add($"{source}: signature id '{duplicate.Key}' appears {duplicate.Count()} times");
        }

        return errors.Count > 0 ? throw new InvalidDataException(string.Join('\n', errors)) : new SignatureCatalogue(signatures);
    }

    /// <summary>
    /// The catalogue of a checkout (<c>matrix/signatures.json</c>, read now, so an edit counts without a rebuild); the
    /// copy built into the library serves only where there is no such file.
    /// </summary>
    public static SignatureCatalogue Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : Default;

    private static SignatureCatalogue LoadEmbedded() => Parse(JsonDataFile.ReadEmbedded("signatures.json"), "matrix/signatures.json");

    private sealed record CatalogueFile(
        [property: JsonPropertyName("$comment")] string? Comment,
        [property: JsonPropertyName("signatures")] IReadOnlyList<Signature>? Signatures);
}
