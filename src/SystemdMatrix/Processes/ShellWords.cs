namespace SystemdMatrix.Processes;

/// <summary>Quoting for the few places a command must be one shell string (a reproduction line, qemu's <c>exec:</c> migration URI).</summary>
public static class ShellWords
{
    /// <summary>The word as <c>sh</c> reads it back: unquoted when it is made of safe characters, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_=/:.,+@".Contains(c)) ? word : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
