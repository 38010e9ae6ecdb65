using SystemdMatrix.Processes;

namespace SystemdMatrix.Engines;

/// <summary>The <c>docker</c> command-line client, aimed at one engine and no other.</summary>
public sealed class DockerCli(EngineEndpoint endpoint)
{
    public EngineEndpoint Endpoint { get; } = endpoint;

    public static string Executable =>
        ProcessRunner.FindExecutable("docker") ?? throw new PrerequisiteException(Prerequisites.Describe([Prerequisites.DockerCli]));

    public Task<ProcessResult> RunAsync(IReadOnlyList<string> arguments, Action<string>? onLine = null, Stream? input = null, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(Executable, arguments, Endpoint.CliEnvironment, onLine, input, cancellationToken: cancellationToken);

    public Task<ProcessResult> RunCheckedAsync(IReadOnlyList<string> arguments, Action<string>? onLine = null, Stream? input = null, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunCheckedAsync(Executable, arguments, Endpoint.CliEnvironment, onLine, input, cancellationToken: cancellationToken);
}
