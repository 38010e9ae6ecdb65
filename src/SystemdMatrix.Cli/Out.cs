using Spectre.Console;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Signatures;

namespace SystemdMatrix.Cli;

/// <summary>How the CLI talks: timestamped progress lines, and one clear message (no stack trace) for expected failures.</summary>
internal static class Out
{
    public static void Log(string message) =>
        AnsiConsole.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss}[/] {message}");

    /// <summary>
    /// One message on standard error, never wrapped: it is what a person copies into a search or a report, and a
    /// socket path or a flag cut in two is no use there.
    /// </summary>
    public static void Error(string message)
    {
        var colour = !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null or "";
        Console.Error.WriteLine((colour ? "\u001b[31merror:\u001b[0m " : "error: ") + message);
    }

    /// <summary>Runs a verb body, turning the failures a user can fix into a message and an exit code.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            // Every setting is checked before the verb does anything: a bad value stops it here, all named at once.
            _ = Settings.HarnessSettings.Current;
            return await body();
        }
        catch (OperationCanceledException)
        {
            Error("interrupted; everything the run started has been removed");
            return 130;
        }
        catch (Exception ex) when (ex is PrerequisiteException or ManifestException or MatrixException or InvalidDataException or DirectoryNotFoundException or Settings.SettingsException or Local.LocalEngineException)
        {
            Error(ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is EngineStartException or ImageUnfitException or Processes.ProcessFailedException or Isolation.HostStateException)
        {
            Error(ex.Message);
            return 1;
        }
    }

    public static SignatureCatalogue Catalogue => SignatureCatalogue.Default;
}
