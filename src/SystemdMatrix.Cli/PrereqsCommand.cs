using System.CommandLine;
using SystemdMatrix.Engines;

namespace SystemdMatrix.Cli;

/// <summary><c>prereqs</c>: check (and with --install, install) the Debian packages the harness needs.</summary>
internal static class PrereqsCommand
{
    public static Command Create()
    {
        var install = new Option<bool>("--install") { Description = "Install what is missing with apt-get (needs root)." };
        var tests = new Option<bool>("--tests") { Description = "Also what the tests need (Chromium for the report page's browser test)." };
        var command = new Command("prereqs", "Check for dockerd, docker, runc, debootstrap, qemu, socat and the rest; name the packages that provide what is missing.") { install, tests };
        command.SetAction((result, ct) => Out.Guard(async () =>
        {
            var needed = result.GetValue(tests) ? Prerequisites.ForTests : Prerequisites.ForEverything;
            if (result.GetValue(install))
            {
                var installed = await Prerequisites.InstallMissingAsync(needed, Out.Log, ct);
                Out.Log(installed.Count == 0 ? "all prerequisites are present" : $"installed {string.Join(' ', installed)}");
                return 0;
            }

            var missing = Prerequisites.Missing(needed);
            if (missing.Count > 0)
            {
                Out.Error(Prerequisites.Describe(missing));
                return 2;
            }

            Out.Log("all prerequisites are present");
            return 0;
        }));
        return command;
    }
}
