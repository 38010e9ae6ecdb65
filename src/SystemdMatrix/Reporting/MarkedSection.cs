namespace SystemdMatrix.Reporting;

/// <summary>A generated block of a Markdown file: everything between a begin and an end marker.</summary>
public static class MarkedSection
{
    /// <summary>Returns the text with the block between the markers replaced; throws when they are missing or out of order.</summary>
    public static string Replace(string text, string begin, string end, string content)
    {
        var from = text.IndexOf(begin, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        if (from < 0 || to < from)
        {
            throw new InvalidDataException($"README.md: the markers {begin} and {end} are missing or out of order");
        }

        return text[..(from + begin.Length)] + "\n" + content.TrimEnd() + "\n" + text[to..];
    }
}
